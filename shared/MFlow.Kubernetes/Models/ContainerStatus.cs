namespace MFlow.Kubernetes.Models;

/// <summary>The observed state of one container.</summary>
public sealed class ContainerStatus
{
    /// <summary>The container name.</summary>
    public string? Name { get; set; }

    /// <summary>Whether the container passes its readiness probe.</summary>
    public bool? Ready { get; set; }

    /// <summary>Whether the container has started.</summary>
    public bool? Started { get; set; }

    /// <summary>How many times the container restarted.</summary>
    public int? RestartCount { get; set; }

    /// <summary>The image the container runs.</summary>
    public string? Image { get; set; }

    /// <summary>The resolved image id (with digest).</summary>
    public string? ImageID { get; set; }

    /// <summary>The runtime's container id.</summary>
    public string? ContainerID { get; set; }

    /// <summary>The current state.</summary>
    public ContainerState? State { get; set; }

    /// <summary>The state of the previous run, after a restart.</summary>
    public ContainerState? LastState { get; set; }
}
