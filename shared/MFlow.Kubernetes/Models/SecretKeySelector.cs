namespace MFlow.Kubernetes.Models;

/// <summary>Selects a key of a Secret in the pod's namespace.</summary>
public sealed class SecretKeySelector
{
    /// <summary>The Secret name.</summary>
    public string? Name { get; set; }

    /// <summary>The key.</summary>
    public string? Key { get; set; }

    /// <summary>Whether the pod may start when the Secret or key is missing.</summary>
    public bool? Optional { get; set; }
}
