namespace MFlow.Kubernetes.Models;

/// <summary>Mounts a volume into a container.</summary>
public sealed class VolumeMount
{
    /// <summary>The volume name.</summary>
    public string? Name { get; set; }

    /// <summary>Where in the container the volume appears.</summary>
    public string? MountPath { get; set; }

    /// <summary>A path inside the volume to mount instead of its root.</summary>
    public string? SubPath { get; set; }

    /// <summary>Whether the mount is read-only.</summary>
    public bool? ReadOnly { get; set; }
}
