namespace MFlow.Kubernetes.Models;

/// <summary>The values of <see cref="PodSpec.RestartPolicy"/>.</summary>
public static class RestartPolicies
{
    /// <summary>Always restart; not allowed in Jobs.</summary>
    public const string Always = "Always";

    /// <summary>Restart the container in place when it fails.</summary>
    public const string OnFailure = "OnFailure";

    /// <summary>Never restart; the Job creates a new pod instead.</summary>
    public const string Never = "Never";
}
