namespace MFlow.Contracts;

/// <summary>
/// A task failed: its latest attempt ended Failed and counts for its stage (an older attempt's late
/// end does not). Published by the aggregator once per task, with the attempt's outcome, before the
/// run's own end (<see cref="PipelineRunFailed"/>) when that follows.
/// </summary>
public sealed record TaskFailed
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>Zero-based index of the task's stage.</summary>
    public int StageIndex { get; init; }

    /// <summary>The task, with its exit code, reason, message and the last lines of its log.</summary>
    public TaskFailure Task { get; init; } = new();

    /// <summary>The task's kind.</summary>
    public JobKind Kind { get; init; }

    /// <summary>When the attempt started, if it did.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the attempt ended.</summary>
    public DateTimeOffset FailedAt { get; init; }

    /// <summary>The key the run was requested with, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Who asked for the run.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused the run.</summary>
    public string? Trigger { get; init; }

    /// <summary>Where a person reads the run; null when no public URL is configured.</summary>
    public string? RunUrl { get; init; }

    /// <summary>True when the task may fail (<c>allowFailure: true</c>): its stage and run go on and can still succeed.</summary>
    public bool AllowedFailure { get; init; }
}
