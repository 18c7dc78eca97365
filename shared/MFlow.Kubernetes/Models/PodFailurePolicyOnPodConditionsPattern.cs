namespace MFlow.Kubernetes.Models;

/// <summary>Matches a failed pod by one of its conditions.</summary>
public sealed class PodFailurePolicyOnPodConditionsPattern
{
    /// <summary>The condition type, e.g. <c>DisruptionTarget</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The condition status; <c>True</c> when null.</summary>
    public string? Status { get; set; }
}
