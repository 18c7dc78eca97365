namespace MFlow.Kubernetes.Models;

/// <summary>Takes every key of a Secret or ConfigMap as an environment variable.</summary>
public sealed class EnvFromSource
{
    /// <summary>Prefix added to each variable name.</summary>
    public string? Prefix { get; set; }

    /// <summary>The ConfigMap to read.</summary>
    public ConfigMapEnvSource? ConfigMapRef { get; set; }

    /// <summary>The Secret to read.</summary>
    public SecretEnvSource? SecretRef { get; set; }
}
