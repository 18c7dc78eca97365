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
    IReadOnlyList<StageView> Stages)
{
    /// <summary>Builds the view from the stored run, with what its tasks wrote back.</summary>
    public static RunView From(StoredRun run, IReadOnlyDictionary<Guid, WrittenOutputs>? written = null)
    {
        var state = run.RunState;
        var stages = run.Plan.Stages.Select(stage =>
        {
            var tasks = stage.Tasks.Select(task =>
            {
                var record = state?.Tasks.GetValueOrDefault(task.TaskId);
                // What the task wrote back counts for the attempt reported, or for any while none is.
                var wrote = written?.GetValueOrDefault(task.TaskId) is { } w && (record?.State is null || w.Attempt == record.Attempt) ? w : null;
                var outputs = new Dictionary<string, string>(record?.Outputs ?? new Dictionary<string, string>());
                foreach (var (name, value) in wrote?.Values ?? [])
                    outputs[name] = value;
                var taskState = record?.State?.ToString() ?? (stage.Index <= run.DispatchedStage && RunStateName(run) is "Running" or "Queued" ? "Queued" : "Waiting");
                return new TaskView(
                    task.TaskId, task.Name, task.Kind.ToString().ToLowerInvariant(), taskState, record?.Attempt ?? 0,
                    record?.ExitCode, record?.Reason, record?.Message, record?.LogTail,
                    outputs, wrote?.Summary, task.JobName, record?.StartedAt, record?.FinishedAt);
            }).ToList();
            var stageRecord = state?.Stages.FirstOrDefault(s => s.Index == stage.Index);
            var stageState = stageRecord is { Completed: true } ? (stageRecord.Succeeded ? "Succeeded" : "Failed")
                : tasks.Any(t => t.State is not ("Queued" or "Waiting")) ? "Running"
                : stage.Index <= run.DispatchedStage ? "Queued" : "Waiting";
            return new StageView(stage.Index, stage.Name, stageState, tasks);
        }).ToList();

        return new RunView(
            run.Id, run.PipelineName, run.Mode.ToLowerInvariant(), RunStateName(run), run.TriggeredBy, run.Trigger, run.IdempotencyKey,
            run.CreatedAt, state?.CompletedAt, state?.CancelReason, stages);
    }

    /// <summary>The run's state as users read it: Queued, Running, Cancelling, Succeeded, Failed or Cancelled.</summary>
    public static string RunStateName(StoredRun run) => RunStateName(run.State);

    /// <summary>The state as users read it, from the saga's state name.</summary>
    public static string RunStateName(string? state) => state switch
    {
        null => "Queued",
        "Initial" or "AwaitingPlan" or "Running" => "Running",
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
        run.Id, run.PipelineName, run.Mode.ToLowerInvariant(), RunView.RunStateName(run.State), run.TriggeredBy, run.Trigger,
        run.IdempotencyKey, run.CreatedAt, run.UpdatedAt, $"/api/v1/runs/{run.Id}");
}

/// <summary>A stage of a run.</summary>
public sealed record StageView(int Index, string Name, string State, IReadOnlyList<TaskView> Tasks);

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
    DateTimeOffset? FinishedAt);
