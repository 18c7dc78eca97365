namespace MFlow.Kubernetes.Models;

/// <summary>Decides what a pod failure means for its Job.</summary>
public sealed class PodFailurePolicy
{
    /// <summary>Rules evaluated in order; the first match wins.</summary>
    public List<PodFailurePolicyRule> Rules { get; set; } = [];
}
