namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// What the Job controller remembers about one Job (by uid) between reconciles: its pods in creation
/// order and which terminated pods it already counted, like the real controller's tracking finalizers.
/// </summary>
internal sealed class JobState
{
    public List<string> PodNames { get; } = [];

    public HashSet<string> KnownPods { get; } = new(StringComparer.Ordinal);

    public HashSet<string> CountedPods { get; } = new(StringComparer.Ordinal);

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    /// <summary>Set when a failed pod matched a FailJob rule of the Job's podFailurePolicy: the condition message.</summary>
    public string? FailJobMessage { get; set; }

    /// <summary>The activeDeadlineSeconds a timer is set for; a changed deadline gets its own timer.</summary>
    public long? DeadlineScheduledFor { get; set; }

    public bool TtlScheduled { get; set; }
}
