using MFlow.Contracts;

namespace MFlow.Persistence.Runs;

/// <summary>
/// Everything known about one pipeline run's progress, as <see cref="RunStatusReader"/> assembles it
/// from the aggregator's rows (run_status, run_stages, run_tasks, task_attempts). The aggregator
/// writes those rows; the scheduler's API reads them through this shape.
/// </summary>
public sealed class PipelineRunState
{
    /// <summary>The run id.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>AwaitingPlan, Running, Cancelling, Succeeded, Failed, Cancelled or Rejected.</summary>
    public string CurrentState { get; set; } = "";

    /// <summary>The pipeline's name, once the plan is known.</summary>
    public string PipelineName { get; set; } = "";

    /// <summary>Normal or rollback.</summary>
    public RunMode Mode { get; set; }

    /// <summary>True once <see cref="PipelineRunStarted"/> delivered the plan (task updates may arrive first).</summary>
    public bool PlanKnown { get; set; }

    /// <summary>When the run was accepted.</summary>
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When the run reached its final state.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The stages, in order.</summary>
    public List<StageRecord> Stages { get; set; } = [];

    /// <summary>Every task the run knows of, by task id, with its latest attempt's progress.</summary>
    public Dictionary<Guid, TaskRecord> Tasks { get; set; } = [];

    /// <summary>
    /// The run's trace (W3C traceparent of the span its plan arrived in), as the earlier version's
    /// JSON document kept it: the aggregator imports it with the run (see run_status.trace_parent).
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>Set when somebody asked to cancel the run.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Why the run was cancelled.</summary>
    public string? CancelReason { get; set; }

    /// <summary>Who cancelled the run.</summary>
    public string? CancelRequestedBy { get; set; }

    /// <summary>Why a run stopped by a timer or a rejection ended (Timeout, Rejected); null otherwise.</summary>
    public string? EndReason { get; set; }

    /// <summary>Every attempt reported of each task, by task id, oldest first (the last is <see cref="Tasks"/>' record).</summary>
    public Dictionary<Guid, List<TaskRecord>> Attempts { get; set; } = [];

    /// <summary>The attempt the run waits for of each planned task (one more than reported while a retry or a resume is dispatched).</summary>
    public Dictionary<Guid, int> CurrentAttempts { get; set; } = [];

    /// <summary>How many times the run was resumed.</summary>
    public int Resumes { get; set; }

    /// <summary>Who resumed it last.</summary>
    public string? ResumedBy { get; set; }
}
