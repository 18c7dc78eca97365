namespace MFlow.Kubernetes.Models;

/// <summary>Mounts a persistent volume claim.</summary>
public sealed class PersistentVolumeClaimVolumeSource
{
    /// <summary>The claim name.</summary>
    public string? ClaimName { get; set; }

    /// <summary>Whether to mount read-only.</summary>
    public bool? ReadOnly { get; set; }
}
