namespace MFlow.Contracts;

/// <summary>A stage failed, so the run failed; no later stage was dispatched.</summary>
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
}
