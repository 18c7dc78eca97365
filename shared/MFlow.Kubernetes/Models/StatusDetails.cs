namespace MFlow.Kubernetes.Models;

/// <summary>Details of a <see cref="Status"/>.</summary>
public sealed class StatusDetails
{
    /// <summary>The name of the object concerned.</summary>
    public string? Name { get; set; }

    /// <summary>The API group of the object concerned.</summary>
    public string? Group { get; set; }

    /// <summary>The kind (or resource) of the object concerned.</summary>
    public string? Kind { get; set; }

    /// <summary>The UID of the object concerned.</summary>
    public string? Uid { get; set; }

    /// <summary>The individual problems, e.g. one per invalid field.</summary>
    public List<StatusCause>? Causes { get; set; }

    /// <summary>Seconds the client should wait before retrying.</summary>
    public int? RetryAfterSeconds { get; set; }
}
