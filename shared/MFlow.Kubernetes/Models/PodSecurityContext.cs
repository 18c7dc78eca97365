namespace MFlow.Kubernetes.Models;

/// <summary>Pod-level security settings.</summary>
public sealed class PodSecurityContext
{
    /// <summary>Refuse to start containers that would run as root.</summary>
    public bool? RunAsNonRoot { get; set; }

    /// <summary>The user id containers run as.</summary>
    public long? RunAsUser { get; set; }

    /// <summary>The group id containers run as.</summary>
    public long? RunAsGroup { get; set; }

    /// <summary>The group that owns mounted volumes.</summary>
    public long? FsGroup { get; set; }

    /// <summary>The seccomp profile.</summary>
    public SeccompProfile? SeccompProfile { get; set; }
}
