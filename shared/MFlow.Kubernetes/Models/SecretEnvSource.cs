namespace MFlow.Kubernetes.Models;

/// <summary>Names a Secret whose keys become environment variables.</summary>
public sealed class SecretEnvSource
{
    /// <summary>The Secret name.</summary>
    public string? Name { get; set; }

    /// <summary>Whether the pod may start without the Secret.</summary>
    public bool? Optional { get; set; }
}
