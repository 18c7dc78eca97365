namespace MFlow.Kubernetes.Models;

/// <summary>One condition of a pod.</summary>
public sealed class PodCondition
{
    /// <summary>The condition type, e.g. <c>Ready</c>.</summary>
    public string? Type { get; set; }

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    public string? Status { get; set; }

    /// <summary>Machine-readable reason.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable details.</summary>
    public string? Message { get; set; }

    /// <summary>When the condition was last probed.</summary>
    public DateTimeOffset? LastProbeTime { get; set; }

    /// <summary>When the condition last changed status.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }
}
