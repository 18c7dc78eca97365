namespace MFlow.Kubernetes.Models;

/// <summary>The body of a delete request.</summary>
public sealed class DeleteOptions
{
    /// <summary>Always <c>DeleteOptions</c>.</summary>
    public string? Kind { get; set; } = "DeleteOptions";

    /// <summary>Always <c>v1</c>.</summary>
    public string? ApiVersion { get; set; } = "v1";

    /// <summary><c>Background</c>, <c>Foreground</c> or <c>Orphan</c>.</summary>
    public string? PropagationPolicy { get; set; }

    /// <summary>Seconds the object gets to stop gracefully; the object's default when null.</summary>
    public long? GracePeriodSeconds { get; set; }
}
