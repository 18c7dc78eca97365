namespace MFlow.Kubernetes.Models;

/// <summary>A running container.</summary>
public sealed class ContainerStateRunning
{
    /// <summary>When it started.</summary>
    public DateTimeOffset? StartedAt { get; set; }
}
