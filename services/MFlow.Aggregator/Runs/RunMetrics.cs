using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence.Runs;
using MFlow.Persistence.Sagas;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// What the run saga measures, recorded once its change is stored (<see cref="AfterSagaSaved"/>):
/// a lost race replays the message, and would otherwise count a run's outcome twice.
/// </summary>
public static class RunMetrics
{
    /// <summary>A task update was applied: a final one records the attempt's duration.</summary>
    public static void TaskUpdated(PipeContext context, PipelineRunState run, TaskUpdated update)
    {
        if (update.State is not (TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled)
            || !run.Tasks.TryGetValue(update.TaskId, out var task)
            || task is not { StartedAt: { } started, FinishedAt: { } finished })
            return;
        var kind = task.Kind;
        var outcome = update.State;
        AfterSagaSaved.Do(context, () => MFlowMetrics.TaskFinished(kind, outcome, finished - started));
    }

    /// <summary>A stage completed: the idle time before it (from the previous stage's end to its first task's start).</summary>
    public static void StageCompleted(PipeContext context, PipelineRunState run, StageRecord stage)
    {
        var previousEnd = run.Stages.FirstOrDefault(s => s.Index == stage.Index - 1)?.CompletedAt;
        var firstStart = stage.TaskIds.Select(id => run.Tasks.GetValueOrDefault(id)?.StartedAt).Min();
        if (previousEnd is not { } end || firstStart is not { } start)
            return;
        var pipeline = run.PipelineName;
        AfterSagaSaved.Do(context, () => MFlowMetrics.StageDeadTimeObserved(pipeline, start - end));
    }

    /// <summary>The run reached its final state.</summary>
    public static void RunFinished(PipeContext context, PipelineRunState run, RunOutcome outcome)
    {
        var pipeline = run.PipelineName;
        var duration = run.CompletedAt - run.StartedAt;
        AfterSagaSaved.Do(context, () => MFlowMetrics.RunFinished(pipeline, outcome.ToString().ToLowerInvariant(), duration));
    }
}
