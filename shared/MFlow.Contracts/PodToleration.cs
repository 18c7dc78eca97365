namespace MFlow.Contracts;

/// <summary>A taint a task's pod tolerates (Kubernetes <c>Toleration</c>).</summary>
public sealed record PodToleration
{
    /// <summary>The taint key; empty with <see cref="Operator"/> Exists tolerates every taint.</summary>
    public string? Key { get; init; }

    /// <summary>Equal (the default) or Exists.</summary>
    public string? Operator { get; init; }

    /// <summary>The taint value, for Equal.</summary>
    public string? Value { get; init; }

    /// <summary>NoSchedule, PreferNoSchedule or NoExecute; empty matches every effect.</summary>
    public string? Effect { get; init; }

    /// <summary>For NoExecute: how long the pod stays on a node after the taint appears.</summary>
    public long? TolerationSeconds { get; init; }
}
