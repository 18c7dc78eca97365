using MFlow.Scheduler.Control;
using MFlow.Scheduler.Outputs;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Api;

/// <summary>A run as GET /api/v1/runs/{id} shows it.</summary>
public sealed record RunView(
    Guid Id,
    string Pipeline,
    string Mode,
    string State,
    string? TriggeredBy,
    string? Trigger,
    string? IdempotencyKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    string? CancelReason,
    IReadOnlyList<StageView> Stages,
    string? Reason = null,
    IReadOnlyList<ApprovalView>? Approvals = null,
    ConcurrencyView? Concurrency = null)
{
    /// <summary>Builds the view from the stored run, with what its tasks wrote back.</summary>
    public static RunView From(StoredRun run, IReadOnlyDictionary<Guid, WrittenOutputs>? written = null, RunControlView? control = null)
    {
        var state = run.RunState;
        var controlState = control?.State;
        // A stage behind an open gate, or any stage of a run waiting for its concurrency slot, was not dispatched.
        bool Held(int stageIndex) => controlState == "Queued" || control?.Approvals.Any(a => a.StageIndex == stageIndex && a.State == "Waiting") == true;
        var stages = run.Plan.Stages.Select(stage =>
        {
            var dispatched = stage.Index <= run.DispatchedStage && !SkippedForFinally(run, stage.Index);
            var tasks = stage.Tasks.Select(task =>
            {
                var record = state?.Tasks.GetValueOrDefault(task.TaskId);
                // What the task wrote back counts for the attempt reported, or for any while none is.
                var wrote = written?.GetValueOrDefault(task.TaskId) is { } w && (record?.State is null || w.Attempt == record.Attempt) ? w : null;
                var outputs = new Dictionary<string, string>(record?.Outputs ?? new Dictionary<string, string>());
                foreach (var (name, value) in wrote?.Values ?? [])
                    outputs[name] = value;
                var taskState = record?.State?.ToString() ?? (dispatched && RunStateName(run) is "Running" or "Queued" && !Held(stage.Index) ? "Queued" : "Waiting");
                // A retry or a resume is dispatching the next attempt: the task waits for it.
                if (record is { State: not null } && state!.CurrentAttempts.GetValueOrDefault(task.TaskId) > record.Attempt && RunStateName(run) is "Running")
                    (taskState, record) = ("Queued", null);
                return new TaskView(
                    task.TaskId, task.Name, task.Kind.ToString().ToLowerInvariant(), taskState, record?.Attempt ?? state?.CurrentAttempts.GetValueOrDefault(task.TaskId) ?? 0,
                    record?.ExitCode, record?.Reason, record?.Message, record?.LogTail,
                    outputs, wrote?.Summary, task.JobName, record?.StartedAt, record?.FinishedAt)
                {
                    AllowedFailure = task.AllowFailure && record?.State == Contracts.TaskState.Failed ? true : null,
                    Attempts = TaskAttemptView.Of(run.Id, task.Name, task.TaskId, state),
                };
            }).ToList();
            var stageRecord = state?.Stages.FirstOrDefault(s => s.Index == stage.Index);
            var stageState = stageRecord is { Completed: true } ? (stageRecord.Succeeded ? "Succeeded" : "Failed")
                : tasks.Any(t => t.State is not ("Queued" or "Waiting")) ? "Running"
                : dispatched && !Held(stage.Index) ? "Queued" : "Waiting";
            return new StageView(stage.Index, stage.Name, stageState, tasks) { Finally = stage.Finally ? true : null };
        }).ToList();

        return new RunView(
            run.Id, run.PipelineName, run.Mode.ToLowerInvariant(), RunStateName(run.State, controlState), run.TriggeredBy, run.Trigger, run.IdempotencyKey,
            run.CreatedAt, state?.CompletedAt, state?.CancelReason, stages, state?.EndReason, control?.Approvals, control?.Concurrency)
        {
            RerunOf = run.RerunOf,
            Reruns = run.Reruns,
            Resumes = state?.Resumes ?? 0,
            ResumedBy = state?.ResumedBy,
        };
    }

    // A main stage the dispatch cursor jumped over to the finally stages (an earlier stage failed) never runs.
    static bool SkippedForFinally(StoredRun run, int stageIndex) =>
        run.Plan.FinallyStage is { } first && stageIndex < first && run.DispatchedStage >= first
        && run.RunState?.Stages.FirstOrDefault(s => s.Index == stageIndex) is not { Completed: true };

    /// <summary>The run this one reruns (POST /api/v1/runs/{id}/rerun), if it is a rerun.</summary>
    public Guid? RerunOf { get; init; }

    /// <summary>The reruns of this run, oldest first.</summary>
    public IReadOnlyList<Guid> Reruns { get; init; } = [];

    /// <summary>How many times the run was resumed (POST /api/v1/runs/{id}/resume).</summary>
    public int Resumes { get; init; }

    /// <summary>Who resumed it last.</summary>
    public string? ResumedBy { get; init; }

    /// <summary>The run's state as users read it: Queued, Running, Cancelling, Succeeded, Failed or Cancelled.</summary>
    public static string RunStateName(StoredRun run) => RunStateName(run.State);

    /// <summary>
    /// The state as users read it (see docs/pipelines.md, "Run states"), from the aggregator's state
    /// name and what holds the run before its next dispatch (<paramref name="controlState"/>: Queued
    /// in its concurrency group, WaitingForApproval at a gate), which counts only while the run goes.
    /// </summary>
    public static string RunStateName(string? state, string? controlState = null) => state switch
    {
        null => controlState ?? "Queued",
        "Initial" or "AwaitingPlan" or "Running" => controlState ?? "Running",
        var name => name,
    };
}

/// <summary>
/// A run as GET /api/v1/runs lists it: what it is and where it stands, without its stages (GET
/// /api/v1/runs/{id} has them). <see cref="UpdatedAt"/> is when its state last changed.
/// </summary>
public sealed record RunSummaryView(
    Guid Id,
    string Pipeline,
    string Mode,
    string State,
    string? TriggeredBy,
    string? Trigger,
    string? IdempotencyKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt,
    string Location)
{
    /// <summary>Builds the view.</summary>
    public static RunSummaryView From(RunSummary run) => new(
        run.Id, run.PipelineName, run.Mode.ToLowerInvariant(), RunView.RunStateName(run.State, run.ControlState), run.TriggeredBy, run.Trigger,
        run.IdempotencyKey, run.CreatedAt, run.UpdatedAt, $"/api/v1/runs/{run.Id}");
}

/// <summary>A stage of a run.</summary>
public sealed record StageView(int Index, string Name, string State, IReadOnlyList<TaskView> Tasks)
{
    /// <summary>True for a stage of the pipeline's finally list; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? Finally { get; init; }
}

/// <summary>A task of a run.</summary>
public sealed record TaskView(
    Guid Id,
    string Name,
    string Kind,
    string State,
    int Attempt,
    int? ExitCode,
    string? Reason,
    string? Message,
    string? LogTail,
    IReadOnlyDictionary<string, string> Outputs,
    string? Summary,
    string Job,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>True when the task failed but may (allowFailure): its stage and run went on; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? AllowedFailure { get; init; }

    /// <summary>Every attempt reported, oldest first (a retried or resumed task has more than one).</summary>
    public IReadOnlyList<TaskAttemptView> Attempts { get; init; } = [];
}

/// <summary>A run's place in its concurrency group.</summary>
/// <param name="Group">The group's name, params filled in.</param>
/// <param name="Limit">How many of its runs may run at once.</param>
/// <param name="State">Queued, Running or Ended.</param>
/// <param name="Position">While queued: 1 for the next run to get a slot.</param>
public sealed record ConcurrencyView(string Group, int Limit, string State, int? Position);

/// <summary>What holds a run before its next dispatch: its gates and its concurrency group.</summary>
/// <param name="Approvals">Every gate the run reached, with its decision.</param>
/// <param name="Concurrency">Its place in its group, or null.</param>
public sealed record RunControlView(IReadOnlyList<ApprovalView> Approvals, ConcurrencyView? Concurrency)
{
    /// <summary>Queued while the run waits for a slot, WaitingForApproval while a gate is open, else null.</summary>
    public string? State =>
        Concurrency?.State == ConcurrencyGroups.States.Queued ? "Queued"
        : Approvals.Any(a => a.State == "Waiting") ? "WaitingForApproval"
        : null;
}
