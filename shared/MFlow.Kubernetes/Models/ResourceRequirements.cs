namespace MFlow.Kubernetes.Models;

/// <summary>Compute resources as Kubernetes quantities (<c>"500m"</c>, <c>"1Gi"</c>).</summary>
public sealed class ResourceRequirements
{
    /// <summary>The amounts the scheduler reserves.</summary>
    public Dictionary<string, string>? Requests { get; set; }

    /// <summary>The maximum amounts the container may use.</summary>
    public Dictionary<string, string>? Limits { get; set; }
}
