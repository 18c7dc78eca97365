namespace MFlow.Kubernetes.Models;

/// <summary>Metadata of a list response.</summary>
public sealed class ListMeta
{
    /// <summary>The version at which the list was read; start a watch from here.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Token to fetch the next page when the list was paginated.</summary>
    public string? Continue { get; set; }

    /// <summary>Approximate number of items left after this page, when the server knows it.</summary>
    public long? RemainingItemCount { get; set; }
}
