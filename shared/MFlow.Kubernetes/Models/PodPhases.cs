namespace MFlow.Kubernetes.Models;

/// <summary>The values of <see cref="PodStatus.Phase"/>.</summary>
public static class PodPhases
{
    /// <summary>Accepted, but not all containers have started.</summary>
    public const string Pending = "Pending";

    /// <summary>Bound to a node and at least one container is running.</summary>
    public const string Running = "Running";

    /// <summary>All containers exited successfully.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>All containers exited and at least one failed.</summary>
    public const string Failed = "Failed";

    /// <summary>The state could not be obtained.</summary>
    public const string Unknown = "Unknown";
}
