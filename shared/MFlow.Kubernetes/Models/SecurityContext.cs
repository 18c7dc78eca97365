namespace MFlow.Kubernetes.Models;

/// <summary>Container-level security settings.</summary>
public sealed class SecurityContext
{
    /// <summary>Refuse to start when the image would run as root.</summary>
    public bool? RunAsNonRoot { get; set; }

    /// <summary>The user id to run as.</summary>
    public long? RunAsUser { get; set; }

    /// <summary>The group id to run as.</summary>
    public long? RunAsGroup { get; set; }

    /// <summary>Whether a process may gain more privileges than its parent.</summary>
    public bool? AllowPrivilegeEscalation { get; set; }

    /// <summary>Whether the root filesystem is read-only.</summary>
    public bool? ReadOnlyRootFilesystem { get; set; }

    /// <summary>Whether the container is privileged.</summary>
    public bool? Privileged { get; set; }

    /// <summary>Linux capabilities to add or drop.</summary>
    public Capabilities? Capabilities { get; set; }

    /// <summary>The seccomp profile.</summary>
    public SeccompProfile? SeccompProfile { get; set; }
}
