using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence.Runs;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// One instance per pipeline run. It learns the plan from <see cref="PipelineRunStarted"/> and the
/// tasks' progress from <see cref="TaskUpdated"/> (in whatever order they arrive), publishes
/// <see cref="StageCompleted"/> as stages end, and the run's terminal event once.
/// The rules themselves are in <see cref="RunProgress"/>.
/// </summary>
public sealed class PipelineRunStateMachine : MassTransitStateMachine<PipelineRunState>
{
    /// <summary>Defines the machine.</summary>
    public PipelineRunStateMachine()
    {
        Event(() => RunStarted, e => e.CorrelateById(context => context.Message.RunId));
        Event(() => TaskUpdated, e => e.CorrelateById(context => context.Message.RunId));
        Event(() => CancelRequested, e => e.CorrelateById(context => context.Message.RunId));

        InstanceState(run => run.CurrentState);

        // Messages travel on different queues, so a worker's first update can beat the plan here.
        Initially(
            When(RunStarted)
                .Then(context => RunProgress.ApplyPlan(context.Saga, context.Message))
                .ThenAsync(Advance),
            When(TaskUpdated)
                .Then(ApplyTaskUpdate)
                .TransitionTo(AwaitingPlan),
            When(CancelRequested)
                .Then(context => RunProgress.RequestCancel(context.Saga, context.Message))
                .TransitionTo(AwaitingPlan));

        During(AwaitingPlan,
            When(RunStarted)
                .Then(context => RunProgress.ApplyPlan(context.Saga, context.Message))
                .ThenAsync(Advance),
            When(TaskUpdated)
                .Then(ApplyTaskUpdate),
            When(CancelRequested)
                .Then(context => RunProgress.RequestCancel(context.Saga, context.Message)));

        During(Running, Cancelling,
            Ignore(RunStarted),
            When(TaskUpdated)
                .Then(ApplyTaskUpdate)
                .ThenAsync(Advance),
            When(CancelRequested)
                .Then(context => RunProgress.RequestCancel(context.Saga, context.Message))
                .ThenAsync(Advance));

        // A finished run still records late task outcomes; a task that starts after its run was
        // cancelled (its dispatch crossed the cancellation) is cancelled in turn.
        During(Succeeded, Failed, Cancelled,
            Ignore(RunStarted),
            Ignore(CancelRequested),
            When(TaskUpdated)
                .Then(ApplyTaskUpdate)
                .ThenAsync(CancelActiveTasks));
    }

    /// <summary>Task updates arrived before the plan.</summary>
    public State AwaitingPlan { get; private set; } = null!;

    /// <summary>The run is going.</summary>
    public State Running { get; private set; } = null!;

    /// <summary>Cancellation was requested; waiting for running tasks to stop.</summary>
    public State Cancelling { get; private set; } = null!;

    /// <summary>Every stage succeeded.</summary>
    public State Succeeded { get; private set; } = null!;

    /// <summary>A stage failed.</summary>
    public State Failed { get; private set; } = null!;

    /// <summary>The run was cancelled.</summary>
    public State Cancelled { get; private set; } = null!;

    /// <summary>The scheduler accepted the run.</summary>
    public Event<PipelineRunStarted> RunStarted { get; private set; } = null!;

    /// <summary>A worker reported a task's progress.</summary>
    public Event<TaskUpdated> TaskUpdated { get; private set; } = null!;

    /// <summary>Somebody asked to cancel the run.</summary>
    public Event<CancelPipelineRun> CancelRequested { get; private set; } = null!;

    // Publishes before the repository commits: if the commit then loses a race, the retry
    // recomputes the same events and publishes them again. Consumers are idempotent, so this is
    // at-least-once rather than possibly-never.
    async Task Advance(BehaviorContext<PipelineRunState> context)
    {
        var run = context.Saga;
        var now = DateTimeOffset.UtcNow;
        if (!run.PlanKnown)
            return;

        // First advanced by the run's own PipelineRunStarted; later messages of another trace (a
        // cancel request) publish in the run's trace, linked to theirs.
        run.TraceParent ??= MFlowTelemetry.CurrentTraceParent;
        using var trace = MFlowTelemetry.ContinueTrace("run advance", run.TraceParent);

        if (run.CancelRequested)
        {
            await CancelActiveTasks(context);
            if (RunProgress.Outcome(run) == RunOutcome.Cancelled)
            {
                run.CompletedAt ??= now;
                RunMetrics.RunFinished(context, run, RunOutcome.Cancelled);
                await context.Publish(new PipelineRunCancelled
                {
                    RunId = run.CorrelationId,
                    PipelineName = run.PipelineName,
                    Reason = run.CancelReason ?? "cancelled",
                    RequestedBy = run.CancelRequestedBy,
                    CompletedAt = run.CompletedAt.Value,
                });
                await context.TransitionToState(Cancelled);
            }
            else
            {
                await context.TransitionToState(Cancelling);
            }

            return;
        }

        foreach (var stage in RunProgress.CompleteStages(run, now))
        {
            RunMetrics.StageCompleted(context, run, stage);
            await context.Publish(new StageCompleted
            {
                RunId = run.CorrelationId,
                StageIndex = stage.Index,
                StageName = stage.Name,
                Succeeded = stage.Succeeded,
                CompletedAt = stage.CompletedAt ?? now,
                Outputs = RunProgress.StageOutputs(run, stage),
            });
        }

        switch (RunProgress.Outcome(run))
        {
            case RunOutcome.Succeeded:
                run.CompletedAt ??= run.Stages.Max(s => s.CompletedAt) ?? now;
                RunMetrics.RunFinished(context, run, RunOutcome.Succeeded);
                await context.Publish(new PipelineRunSucceeded
                {
                    RunId = run.CorrelationId,
                    PipelineName = run.PipelineName,
                    StartedAt = run.StartedAt ?? now,
                    CompletedAt = run.CompletedAt.Value,
                });
                await context.TransitionToState(Succeeded);
                break;
            case RunOutcome.Failed:
                var (stage, failures) = RunProgress.Failure(run);
                run.CompletedAt ??= stage.CompletedAt ?? now;
                RunMetrics.RunFinished(context, run, RunOutcome.Failed);
                await context.Publish(new PipelineRunFailed
                {
                    RunId = run.CorrelationId,
                    PipelineName = run.PipelineName,
                    StageIndex = stage.Index,
                    FailedTasks = failures,
                    StartedAt = run.StartedAt ?? now,
                    CompletedAt = run.CompletedAt.Value,
                });
                await context.TransitionToState(Failed);
                break;
            default:
                await context.TransitionToState(Running);
                break;
        }
    }

    static void ApplyTaskUpdate(BehaviorContext<PipelineRunState, TaskUpdated> context)
    {
        if (RunProgress.ApplyTaskUpdate(context.Saga, context.Message))
            RunMetrics.TaskUpdated(context, context.Saga, context.Message);
    }

    static async Task CancelActiveTasks(BehaviorContext<PipelineRunState> context)
    {
        var run = context.Saga;
        if (!run.CancelRequested)
            return;

        foreach (var task in RunProgress.ActiveTasks(run).Where(t => !t.CancelSent))
        {
            await context.Publish(new CancelTask
            {
                RunId = run.CorrelationId,
                TaskId = task.TaskId,
                TaskName = task.Name,
                Kind = task.Kind,
                Attempt = task.Attempt,
                Target = task.Target,
                Reason = run.CancelReason ?? "run cancelled",
            });
            task.CancelSent = true;
        }
    }
}
