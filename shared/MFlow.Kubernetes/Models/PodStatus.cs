namespace MFlow.Kubernetes.Models;

/// <summary>The observed state of a pod.</summary>
public sealed class PodStatus
{
    /// <summary><c>Pending</c>, <c>Running</c>, <c>Succeeded</c>, <c>Failed</c> or <c>Unknown</c>.</summary>
    public string? Phase { get; set; }

    /// <summary>Why the pod is in this state, e.g. <c>Evicted</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable details.</summary>
    public string? Message { get; set; }

    /// <summary>When the kubelet acknowledged the pod.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Conditions such as <c>PodScheduled</c>, <c>Initialized</c>, <c>Ready</c>.</summary>
    public List<PodCondition>? Conditions { get; set; }

    /// <summary>Status of each init container.</summary>
    public List<ContainerStatus>? InitContainerStatuses { get; set; }

    /// <summary>Status of each container.</summary>
    public List<ContainerStatus>? ContainerStatuses { get; set; }

    /// <summary>The pod's IP address.</summary>
    public string? PodIP { get; set; }

    /// <summary>The IP address of the node the pod runs on.</summary>
    public string? HostIP { get; set; }
}
