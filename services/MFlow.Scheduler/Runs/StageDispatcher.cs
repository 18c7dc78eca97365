using MFlow.Contracts;

namespace MFlow.Scheduler.Runs;

/// <summary>Builds the run-task commands for one stage of a plan. Pure: the caller stores and publishes them.</summary>
public static class StageDispatcher
{
    /// <summary>The commands that start every task of stage <paramref name="stageIndex"/>, first attempt.</summary>
    public static IReadOnlyList<RunTaskCommand> Commands(Guid runId, RunPlan plan, int stageIndex, DateTimeOffset now)
    {
        var stage = plan.Stages[stageIndex];
        return stage.Tasks.Select(task => Command(runId, plan, stage, task, attempt: 1, now)).ToList();
    }

    /// <summary>The command that runs one attempt of a task.</summary>
    public static RunTaskCommand Command(Guid runId, RunPlan plan, PlanStage stage, PlanTask task, int attempt, DateTimeOffset now)
    {
        RunTaskCommand command = task.Kind switch
        {
            JobKind.Build => new RunBuildTask(),
            JobKind.Deploy => new RunDeployTask(),
            JobKind.Vm => new RunVmTask(),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.Kind, "Unknown job kind"),
        };
        return command with
        {
            RunId = runId,
            TaskId = task.TaskId,
            TaskName = task.Name,
            StageIndex = stage.Index,
            Attempt = attempt,
            JobName = task.JobName,
            Mode = plan.Mode,
            Params = task.Params,
            Container = task.Container,
            InitContainers = task.InitContainers,
            BackoffLimit = task.BackoffLimit,
            TimeoutSeconds = task.TimeoutSeconds,
            Target = task.Target,
            DispatchedAt = now,
        };
    }

    /// <summary>The event that announces a run and its plan.</summary>
    public static PipelineRunStarted Started(Guid runId, RunPlan plan, RunRequest request, DateTimeOffset now) => new()
    {
        RunId = runId,
        PipelineName = plan.PipelineName,
        IdempotencyKey = request.IdempotencyKey,
        TriggeredBy = request.TriggeredBy,
        Trigger = request.Trigger,
        Mode = plan.Mode,
        StartedAt = now,
        Stages = plan.Stages.Select(stage => new PlannedStage
        {
            Index = stage.Index,
            Name = stage.Name,
            Tasks = stage.Tasks.Select(t => new PlannedTask { TaskId = t.TaskId, Name = t.Name, Kind = t.Kind, JobName = t.JobName, Target = t.Target }).ToList(),
        }).ToList(),
    };
}
