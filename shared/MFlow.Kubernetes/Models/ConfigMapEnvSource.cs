namespace MFlow.Kubernetes.Models;

/// <summary>Names a ConfigMap whose keys become environment variables.</summary>
public sealed class ConfigMapEnvSource
{
    /// <summary>The ConfigMap name.</summary>
    public string? Name { get; set; }

    /// <summary>Whether the pod may start without the ConfigMap.</summary>
    public bool? Optional { get; set; }
}
