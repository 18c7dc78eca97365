namespace MFlow.Kubernetes.Models;

/// <summary>The state of a container; exactly one member is set.</summary>
public sealed class ContainerState
{
    /// <summary>Set while the container waits to start.</summary>
    public ContainerStateWaiting? Waiting { get; set; }

    /// <summary>Set while the container runs.</summary>
    public ContainerStateRunning? Running { get; set; }

    /// <summary>Set once the container has exited.</summary>
    public ContainerStateTerminated? Terminated { get; set; }
}
