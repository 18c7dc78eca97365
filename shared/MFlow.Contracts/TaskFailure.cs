namespace MFlow.Contracts;

/// <summary>A task that failed, as a run's failure names it.</summary>
public sealed record TaskFailure
{
    /// <summary>The task.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name.</summary>
    public string TaskName { get; init; } = "";

    /// <summary>Its exit code, when it ran far enough to have one.</summary>
    public int? ExitCode { get; init; }

    /// <summary>A short reason (Error, BackoffLimitExceeded, DeadlineExceeded, ...).</summary>
    public string? Reason { get; init; }

    /// <summary>What a person should read.</summary>
    public string? Message { get; init; }

    /// <summary>The failed attempt (0 from publishers older than this field).</summary>
    public int Attempt { get; init; }

    /// <summary>
    /// The last lines of the task's log, bounded (see <see cref="MaxLogTailLength"/>). A worker running
    /// tasks with the local executor masks the task's secret values in it; the kubernetes executor does not yet.
    /// </summary>
    public string? LogTail { get; init; }

    /// <summary>The most characters <see cref="LogTail"/> holds: its end is kept.</summary>
    public const int MaxLogTailLength = 2048;
}
