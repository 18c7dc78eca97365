namespace MFlow.Kubernetes.Models;

/// <summary>A seccomp profile.</summary>
public sealed class SeccompProfile
{
    /// <summary><c>RuntimeDefault</c>, <c>Localhost</c> or <c>Unconfined</c>.</summary>
    public string? Type { get; set; }

    /// <summary>For <c>Localhost</c>, the profile path on the node.</summary>
    public string? LocalhostProfile { get; set; }
}
