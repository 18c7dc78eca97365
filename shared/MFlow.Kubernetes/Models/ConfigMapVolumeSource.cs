namespace MFlow.Kubernetes.Models;

/// <summary>Projects the keys of a ConfigMap into a volume.</summary>
public sealed class ConfigMapVolumeSource
{
    /// <summary>The ConfigMap name.</summary>
    public string? Name { get; set; }

    /// <summary>Which keys to project and where; all keys when null.</summary>
    public List<KeyToPath>? Items { get; set; }

    /// <summary>File mode bits (decimal in JSON).</summary>
    public int? DefaultMode { get; set; }

    /// <summary>Whether the pod may start without the ConfigMap.</summary>
    public bool? Optional { get; set; }
}
