namespace MFlow.Kubernetes.Models;

/// <summary>Projects the keys of a Secret into a volume.</summary>
public sealed class SecretVolumeSource
{
    /// <summary>The Secret name.</summary>
    public string? SecretName { get; set; }

    /// <summary>Which keys to project and where; all keys when null.</summary>
    public List<KeyToPath>? Items { get; set; }

    /// <summary>File mode bits (decimal in JSON, e.g. 256 for 0400).</summary>
    public int? DefaultMode { get; set; }

    /// <summary>Whether the pod may start without the Secret.</summary>
    public bool? Optional { get; set; }
}
