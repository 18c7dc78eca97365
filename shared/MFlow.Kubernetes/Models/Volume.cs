namespace MFlow.Kubernetes.Models;

/// <summary>A named volume of a pod; set exactly one source.</summary>
public sealed class Volume
{
    /// <summary>The volume name (a DNS-1123 label), referenced by mounts.</summary>
    public string? Name { get; set; }

    /// <summary>A scratch directory that lives as long as the pod.</summary>
    public EmptyDirVolumeSource? EmptyDir { get; set; }

    /// <summary>The keys of a Secret as files.</summary>
    public SecretVolumeSource? Secret { get; set; }

    /// <summary>The keys of a ConfigMap as files.</summary>
    public ConfigMapVolumeSource? ConfigMap { get; set; }

    /// <summary>A persistent volume claim.</summary>
    public PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; set; }
}
