namespace MFlow.Contracts;

/// <summary>
/// The sequence number of a <see cref="TaskUpdated"/>, as every publisher computes it: derived from
/// the attempt and the state alone, so a worker that restarts, or a second worker observing the same
/// Job, numbers the same transition the same way, and the aggregator can drop duplicates and late
/// arrivals.
/// </summary>
public static class TaskSequence
{
    /// <summary>Pending &lt; Running &lt; any terminal state, and every state of attempt n &lt; those of attempt n + 1.</summary>
    public static long Of(int attempt, TaskState state) => attempt * 10L + state switch
    {
        TaskState.Pending => 1,
        TaskState.Running => 2,
        _ => 3,
    };
}
