using MFlow.Contracts;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// A run's end, from which the event announcing it is made, whichever way it ended: each says the
/// same of the run (its request, when it started and ended, how long it took, where to read it).
/// </summary>
/// <param name="Run">The run's row: its id and what it was requested with.</param>
/// <param name="PipelineName">The pipeline's name.</param>
/// <param name="StartedAt">When the run started; null when it never did (no duration then).</param>
/// <param name="CompletedAt">When it ended.</param>
/// <param name="RunUrl">Where a person reads it.</param>
public readonly record struct RunEnd(RunRow Run, string PipelineName, DateTimeOffset? StartedAt, DateTimeOffset CompletedAt, string? RunUrl)
{
    TimeSpan? Duration => StartedAt is { } started ? CompletedAt - started : null;

    /// <summary>Every stage succeeded.</summary>
    public PipelineRunSucceeded Succeeded() => new()
    {
        RunId = Run.RunId, PipelineName = PipelineName, StartedAt = StartedAt ?? CompletedAt, CompletedAt = CompletedAt, Duration = Duration,
        IdempotencyKey = Run.IdempotencyKey, Trigger = Run.Trigger, TriggeredBy = Run.TriggeredBy, RunUrl = RunUrl,
    };

    /// <summary>A stage failed (<paramref name="reason"/> null), or a timeout or a rejection stopped the run.</summary>
    public PipelineRunFailed Failed(int stageIndex, IReadOnlyList<TaskFailure> failedTasks, string? reason = null, string? message = null) => new()
    {
        RunId = Run.RunId, PipelineName = PipelineName, StartedAt = StartedAt ?? CompletedAt, CompletedAt = CompletedAt, Duration = Duration,
        IdempotencyKey = Run.IdempotencyKey, Trigger = Run.Trigger, TriggeredBy = Run.TriggeredBy, RunUrl = RunUrl,
        StageIndex = stageIndex, FailedTasks = failedTasks, Reason = reason, Message = message,
    };

    /// <summary>The run was cancelled and nothing of it runs any more.</summary>
    public PipelineRunCancelled Cancelled(string reason, string? requestedBy) => new()
    {
        RunId = Run.RunId, PipelineName = PipelineName, StartedAt = StartedAt, CompletedAt = CompletedAt, Duration = Duration,
        IdempotencyKey = Run.IdempotencyKey, Trigger = Run.Trigger, TriggeredBy = Run.TriggeredBy, RunUrl = RunUrl,
        Reason = reason, RequestedBy = requestedBy,
    };
}
