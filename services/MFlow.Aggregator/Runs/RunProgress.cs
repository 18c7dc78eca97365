using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

/// <summary>How a run's state moves. Pure functions over <see cref="PipelineRunState"/>, so every rule is testable without a bus.</summary>
public static class RunProgress
{
    /// <summary>Records the plan; task updates that arrived before it are kept.</summary>
    public static void ApplyPlan(PipelineRunState run, PipelineRunStarted started)
    {
        if (run.PlanKnown)
            return;

        run.PlanKnown = true;
        run.PipelineName = started.PipelineName;
        run.Mode = started.Mode;
        run.StartedAt = started.StartedAt;
        run.Stages = started.Stages
            .Select(stage => new StageRecord { Index = stage.Index, Name = stage.Name, TaskIds = stage.Tasks.Select(t => t.TaskId).ToList() })
            .ToList();
        foreach (var stage in started.Stages)
        {
            foreach (var planned in stage.Tasks)
            {
                var task = GetOrAdd(run, planned.TaskId, planned.Name, planned.Kind);
                task.Name = planned.Name;
                task.Kind = planned.Kind;
                task.StageIndex = stage.Index;
                task.Target = planned.Target;
            }
        }
    }

    /// <summary>
    /// Applies a task update if it is newer than what the task has (by sequence); a duplicate or a
    /// late arrival changes nothing. Returns whether it applied.
    /// </summary>
    public static bool ApplyTaskUpdate(PipelineRunState run, TaskUpdated update)
    {
        var task = GetOrAdd(run, update.TaskId, update.TaskName, update.Kind);
        if (update.Sequence <= task.Sequence)
            return false;

        if (update.Attempt != task.Attempt)
        {
            // A new attempt starts from a clean slate.
            task.CancelSent = false;
            task.StartedAt = null;
            task.ExitCode = null;
            task.FinishedAt = null;
            task.LogTail = null;
            task.Outputs = [];
        }

        task.Sequence = update.Sequence;
        task.Attempt = update.Attempt;
        task.State = update.State;
        task.UpdatedAt = update.Timestamp;
        task.StartedAt = update.StartedAt ?? task.StartedAt;
        task.FinishedAt = update.FinishedAt ?? task.FinishedAt;
        task.ExitCode = update.ExitCode ?? task.ExitCode;
        task.Reason = update.Reason;
        task.Message = update.Message;
        task.LogTail = update.LogTail ?? task.LogTail;
        task.Worker = update.Worker;
        foreach (var (name, value) in update.Outputs)
            task.Outputs[name] = value;
        return true;
    }

    /// <summary>Marks the run for cancellation; the first request wins.</summary>
    public static void RequestCancel(PipelineRunState run, CancelPipelineRun cancel)
    {
        if (run.CancelRequested)
            return;
        run.CancelRequested = true;
        run.CancelReason = string.IsNullOrWhiteSpace(cancel.Reason) ? "cancelled" : cancel.Reason;
        run.CancelRequestedBy = cancel.RequestedBy;
    }

    /// <summary>Marks and returns the stages whose tasks have all ended since the last call, in order.</summary>
    public static IReadOnlyList<StageRecord> CompleteStages(PipelineRunState run, DateTimeOffset now)
    {
        if (!run.PlanKnown || run.CancelRequested)
            return [];

        var completed = new List<StageRecord>();
        foreach (var stage in run.Stages.Where(s => !s.Completed))
        {
            var tasks = stage.TaskIds.Select(id => run.Tasks[id]).ToList();
            if (!tasks.All(t => t.IsTerminal))
                continue;

            stage.Completed = true;
            stage.Succeeded = tasks.All(t => t.State == TaskState.Succeeded);
            stage.CompletedAt = tasks.Max(t => t.FinishedAt ?? t.UpdatedAt) ?? now;
            completed.Add(stage);
        }

        return completed;
    }

    /// <summary>The run's outcome as its state stands, or null while it is still going.</summary>
    public static RunOutcome? Outcome(PipelineRunState run)
    {
        if (!run.PlanKnown)
            return null;
        if (run.CancelRequested)
            return ActiveTasks(run).Any() ? null : RunOutcome.Cancelled;
        if (run.Stages.Any(s => s.Completed && !s.Succeeded))
            return RunOutcome.Failed;
        return run.Stages.All(s => s.Completed) ? RunOutcome.Succeeded : null;
    }

    /// <summary>Tasks a worker reported that have not ended.</summary>
    public static IEnumerable<TaskRecord> ActiveTasks(PipelineRunState run) =>
        run.Tasks.Values.Where(t => t.State is not null && !t.IsTerminal);

    /// <summary>The stage that failed, and its failed tasks, for <see cref="PipelineRunFailed"/>.</summary>
    public static (StageRecord Stage, IReadOnlyList<TaskFailure> Failures) Failure(PipelineRunState run)
    {
        var stage = run.Stages.First(s => s.Completed && !s.Succeeded);
        var failures = stage.TaskIds
            .Select(id => run.Tasks[id])
            .Where(t => t.State != TaskState.Succeeded)
            .Select(t => new TaskFailure { TaskId = t.TaskId, TaskName = t.Name, ExitCode = t.ExitCode, Reason = t.Reason, Message = t.Message })
            .ToList();
        return (stage, failures);
    }

    /// <summary>The outputs of a stage's tasks, by task name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> StageOutputs(PipelineRunState run, StageRecord stage) =>
        stage.TaskIds.Select(id => run.Tasks[id])
            .ToDictionary(t => t.Name, t => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(t.Outputs));

    static TaskRecord GetOrAdd(PipelineRunState run, Guid taskId, string name, JobKind kind)
    {
        if (!run.Tasks.TryGetValue(taskId, out var task))
        {
            task = new TaskRecord { TaskId = taskId, Name = name, Kind = kind };
            run.Tasks[taskId] = task;
        }

        return task;
    }
}

/// <summary>How a run ended.</summary>
public enum RunOutcome
{
    /// <summary>Every stage succeeded.</summary>
    Succeeded,

    /// <summary>A stage failed.</summary>
    Failed,

    /// <summary>It was cancelled and nothing of it runs any more.</summary>
    Cancelled,
}
