namespace MFlow.Kubernetes.Models;

/// <summary>A container that has not started yet.</summary>
public sealed class ContainerStateWaiting
{
    /// <summary>Why it waits, e.g. <c>ImagePullBackOff</c> or <c>CreateContainerConfigError</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable details.</summary>
    public string? Message { get; set; }
}
