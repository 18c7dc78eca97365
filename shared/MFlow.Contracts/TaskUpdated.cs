namespace MFlow.Contracts;

/// <summary>
/// A worker observed a task change state. Published for every transition, at least once: the
/// aggregator ignores an update whose <see cref="Sequence"/> is not greater than the last it
/// applied for the task, so duplicates and late arrivals never move a task backwards.
/// </summary>
public sealed record TaskUpdated
{
    /// <summary>The pipeline run the task belongs to.</summary>
    public Guid RunId { get; init; }

    /// <summary>The task.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name within its pipeline.</summary>
    public string TaskName { get; init; } = "";

    /// <summary>The task's kind.</summary>
    public JobKind Kind { get; init; }

    /// <summary>The attempt this update is about.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>
    /// Orders updates of one task across attempts and worker restarts: derived from the attempt and
    /// the state, never from a counter a restart could reset.
    /// </summary>
    public long Sequence { get; init; }

    /// <summary>The task's new state.</summary>
    public TaskState State { get; init; }

    /// <summary>When the worker observed the change.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>When the task started running, once it has.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the task finished, once it has.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The main container's exit code, once known.</summary>
    public int? ExitCode { get; init; }

    /// <summary>A short machine-readable reason (BackoffLimitExceeded, DeadlineExceeded, ImagePullBackOff, Error, ...).</summary>
    public string? Reason { get; init; }

    /// <summary>What a person should read about this transition.</summary>
    public string? Message { get; init; }

    /// <summary>The last lines of the task's output.</summary>
    public string? LogTail { get; init; }

    /// <summary>
    /// A finished attempt's whole log (for a long one, its last <see cref="MaxLogLength"/> characters),
    /// carried by its terminal update only, so MFlow can serve it after the pod or process is gone.
    /// </summary>
    public string? Log { get; init; }

    /// <summary>True when <see cref="Log"/> is the end of a longer log.</summary>
    public bool LogTruncated { get; init; }

    /// <summary>The most log text an update carries.</summary>
    public const int MaxLogLength = 1024 * 1024;

    /// <summary>Named outputs the task produced (for a build, its image digest).</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();

    /// <summary>The worker instance that observed the change.</summary>
    public string? Worker { get; init; }
}
