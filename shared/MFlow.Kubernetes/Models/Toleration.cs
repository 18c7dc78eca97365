namespace MFlow.Kubernetes.Models;

/// <summary>Lets a pod be scheduled onto nodes with a matching taint.</summary>
public sealed class Toleration
{
    /// <summary>The taint key; empty with <c>Exists</c> matches all taints.</summary>
    public string? Key { get; set; }

    /// <summary><c>Equal</c> (default) or <c>Exists</c>.</summary>
    public string? Operator { get; set; }

    /// <summary>The taint value for <c>Equal</c>.</summary>
    public string? Value { get; set; }

    /// <summary><c>NoSchedule</c>, <c>PreferNoSchedule</c> or <c>NoExecute</c>; all when null.</summary>
    public string? Effect { get; set; }

    /// <summary>For <c>NoExecute</c>, how long the pod stays bound after the taint appears.</summary>
    public long? TolerationSeconds { get; set; }
}
