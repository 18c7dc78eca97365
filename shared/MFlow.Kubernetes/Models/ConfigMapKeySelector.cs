namespace MFlow.Kubernetes.Models;

/// <summary>Selects a key of a ConfigMap in the pod's namespace.</summary>
public sealed class ConfigMapKeySelector
{
    /// <summary>The ConfigMap name.</summary>
    public string? Name { get; set; }

    /// <summary>The key.</summary>
    public string? Key { get; set; }

    /// <summary>Whether the pod may start when the ConfigMap or key is missing.</summary>
    public bool? Optional { get; set; }
}
