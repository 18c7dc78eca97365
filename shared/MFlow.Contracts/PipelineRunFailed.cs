namespace MFlow.Contracts;

/// <summary>A stage failed, so the run failed; no later stage was dispatched. Also a run that timed out or was rejected (see <see cref="Reason"/>).</summary>
public sealed record PipelineRunFailed
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>Zero-based index of the stage that failed.</summary>
    public int StageIndex { get; init; }

    /// <summary>The tasks that failed.</summary>
    public IReadOnlyList<TaskFailure> FailedTasks { get; init; } = [];

    /// <summary>When the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the failing stage's last task ended.</summary>
    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>The key the run was requested with, if any (null from publishers older than this field).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Who asked for the run.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused the run.</summary>
    public string? Trigger { get; init; }

    /// <summary>How long the run took, from its start to its end.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// Why the run failed when no task's failure says it: <c>Timeout</c> (a run or stage timeout
    /// cancelled its tasks) or <c>Rejected</c> (an approver or an approval's timeout rejected it; the
    /// run's state is Rejected). Null when a stage failed because a task did.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>What happened, with <see cref="Reason"/>: the timeout that expired, the approver's comment.</summary>
    public string? Message { get; init; }

    /// <summary>Where a person reads the run: <c>MFlow:Api:PublicUrl</c> plus the run's path; null when no public URL is configured.</summary>
    public string? RunUrl { get; init; }
}
