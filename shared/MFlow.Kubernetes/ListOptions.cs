namespace MFlow.Kubernetes;

/// <summary>Filters and paging of a list call.</summary>
public sealed record ListOptions
{
    /// <summary>A label selector, e.g. from <see cref="Naming.LabelSelectorBuilder"/>.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector, e.g. <c>metadata.name=build-1</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Maximum items per page; the server returns all when null.</summary>
    public int? Limit { get; init; }

    /// <summary>The <c>continue</c> token of the previous page.</summary>
    public string? Continue { get; init; }
}
