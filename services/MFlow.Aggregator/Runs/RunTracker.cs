using System.Data.Common;
using System.Diagnostics;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.Persistence.Runs;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// Applies one message to a run's rows in one transaction and publishes what follows (StageCompleted,
/// the run's terminal event, CancelTask) through the aggregator's outbox after the commit. Learns the
/// plan from <see cref="PipelineRunStarted"/> and the tasks' progress from <see cref="TaskUpdated"/>,
/// in whatever order they arrive; the rules are in <see cref="RunProgress"/>.
/// </summary>
/// <remarks>
/// Any number of aggregator replicas may consume the same queue. Concurrent messages of one run wait
/// for each other's row locks instead of failing, and what can still fail because of a race (a
/// deadlock, PostgreSQL's serialization failure, SQLite's busy database, two first updates of one
/// attempt inserting at once) is retried at once on fresh state for as long as it takes: a lost race
/// is never a fault, so it never sends a message to the error queue.
/// </remarks>
public sealed partial class RunTracker(Database database, AggregatorOutbox outbox, RunEventJournal journal, RunLinks links, ILogger<RunTracker> logger)
{
    /// <summary>Applies a task update; a duplicate or late one changes nothing and publishes nothing.</summary>
    public Task ApplyTaskUpdateAsync(TaskUpdated update, CancellationToken cancellationToken)
    {
        // Shared with the run's other task updates, until the run turns out to be cancelling: then the
        // update needs the whole run to itself to decide whether it was the last one running.
        var exclusive = false;
        return InTransactionAsync(async rows =>
        {
            var view = await rows.BeginTaskUpdateAsync(update, exclusive, cancellationToken);
            if (view.Run is { CancelRequested: true } && !exclusive)
            {
                exclusive = true;
                throw new StartOver();
            }

            var applied = RunProgress.ApplyTaskUpdate(view.Attempt, update);
            if (applied is null)
                return [];

            // An attempt reaches a terminal state once (see RunProgress), so each task is counted once,
            // by the attempt the run waits for: an older attempt's late end does not count for a task
            // that has moved on (a retry, a resume), a failure that gets a retry is not the task's end,
            // and a run being cancelled completes no stage.
            var current = Math.Max(view.Planned?.Attempt ?? 0, view.LatestAttempt);
            var ends = applied.IsTerminal && view.Run is { PlanKnown: true, CancelRequested: false } && view.StageIndex is not null
                && update.Attempt >= current;
            var retry = ends && applied.State == TaskState.Failed && !RunStates.IsFinal(view.Run!.State) && view.Planned is { } planned
                && planned.RetriesAfter(applied.Reason);
            var counts = ends && !retry ? (view.StageIndex!.Value, RunProgress.CountsAsFailed(applied, view.AllowFailure)) : ((int, bool)?)null;
            StageCount? count;
            try
            {
                count = await rows.WriteTaskUpdateAsync(update.RunId, applied, isNew: view.Attempt is null, update, counts, cancellationToken,
                    stateChanged: view.Attempt?.State != applied.State);
            }
            catch (DbException ex) when (view.Attempt is null && Database.IsUniqueViolation(ex))
            {
                throw new StartOver(); // another delivery of this attempt's first update got there first
            }

            // The attempt's first terminal state is its only outcome (see RunProgress): its duration counts once.
            if (applied is { IsTerminal: true, State: { } outcome, StartedAt: { } started, FinishedAt: { } finished } && view.Attempt is not { IsTerminal: true })
                rows.AfterCommit(() => MFlowMetrics.TaskFinished(applied.Kind, outcome, finished - started));

            if (view.Run is not { PlanKnown: true } run)
                return []; // the plan counts what ended before it
            if (run.CancelRequested)
                return await CancelActiveTasksAsync(rows, run, cancellationToken);
            if (retry)
                return await TaskAttempts.RetryAsync(rows, update, view.Planned!, cancellationToken);
            if (update.Attempt < current && !applied.IsTerminal && view.Planned is { } superseded)
                return await TaskAttempts.StopSupersededAsync(rows, update, superseded, applied, cancellationToken);

            // Counted once per task (see above), so a task's failure is announced once.
            var events = new List<object>();
            if (count is not null && applied.State == TaskState.Failed)
                events.Add(RunProgress.TaskFailed(run, counts!.Value.Item1, applied, links.For(run.RunId)) with { AllowedFailure = view.AllowFailure });
            if (count is { Complete: true })
                events.AddRange(await CompleteStageAsync(rows, run, counts!.Value.Item1, succeeded: count.Failed == 0, cancellationToken));
            return events;
        }, cancellationToken);
    }

    /// <summary>Records the plan (once), counting the tasks that ended before it arrived.</summary>
    public Task ApplyPlanAsync(PipelineRunStarted started, CancellationToken cancellationToken) =>
        InTransactionAsync(async rows =>
        {
            var run = await rows.LockRunAsync(started.RunId, cancellationToken);
            if (run is { PlanKnown: true })
                return [];

            var early = await rows.ReadRunStateAsync(started.RunId, cancellationToken);
            var mayFail = started.Stages.SelectMany(s => s.Tasks).Where(t => t.AllowFailure).Select(t => t.TaskId).ToHashSet();
            // A failure that came before the plan gets its retry now, and is not the task's end.
            var retried = TaskAttempts.RetriedBeforePlan(started, early);
            var ended = (early?.Tasks.Values.AsEnumerable() ?? []).Where(t => t.IsTerminal && !retried.ContainsKey(t.TaskId))
                .ToDictionary(t => t.TaskId, t => RunProgress.CountsAsFailed(t, mayFail.Contains(t.TaskId)));
            await rows.SavePlanAsync(run, started, ended, cancellationToken);
            var planned = new RunRow(started.RunId, RunStates.Running, true, started.PipelineName, started.Mode, started.Stages.Count,
                started.StartedAt, null, run?.CancelRequested ?? false, run?.CancelReason, run?.CancelRequestedBy)
            {
                IdempotencyKey = started.IdempotencyKey,
                Trigger = started.Trigger,
                TriggeredBy = started.TriggeredBy,
            };
            if (planned.CancelRequested)
                return await CancelActiveTasksAsync(rows, planned, cancellationToken);

            var events = new List<object>();
            foreach (var (failed, task) in retried.Values)
                events.AddRange(await TaskAttempts.RetryAsync(rows, failed, task, cancellationToken));
            foreach (var stage in started.Stages.Where(s => s.Tasks.Count(t => ended.ContainsKey(t.TaskId)) == s.Tasks.Count))
            {
                var succeeded = stage.Tasks.All(t => !ended[t.TaskId]);
                events.AddRange(await CompleteStageAsync(rows, planned, stage.Index, succeeded, cancellationToken));
                if (!succeeded && !started.Stages.Any(s => s.Finally))
                    break;
            }

            if (started.Stages.Count == 0)
                events.AddRange(await EndRunAsync(rows, planned, RunStates.Succeeded, DateTimeOffset.UtcNow, null, cancellationToken));
            return events;
        }, cancellationToken);

    /// <summary>Cancels the run: its running tasks now, the run once they stopped. The first request wins; a finished run ignores it.</summary>
    public Task RequestCancelAsync(CancelPipelineRun cancel, CancellationToken cancellationToken) =>
        InTransactionAsync(async rows =>
        {
            var run = await rows.LockRunAsync(cancel.RunId, cancellationToken);
            if (run is { CancelRequested: true } || (run is not null && RunStates.IsFinal(run.State)))
                return [];

            await rows.RequestCancelAsync(run, cancel.RunId, RunProgress.CancelReason(cancel), cancel.RequestedBy, cancellationToken);
            return run is { PlanKnown: true } ? await CancelActiveTasksAsync(rows, run, cancellationToken) : [];
        }, cancellationToken);

    // Holds the run's lock exclusively (see the callers). Sends CancelTask for every running task not
    // sent one yet; a run still going ends Cancelled when nothing of it runs any more, Cancelling until
    // then. A finished run only stops tasks whose dispatch crossed the cancellation.
    async Task<IReadOnlyList<object>> CancelActiveTasksAsync(RunRows rows, RunRow row, CancellationToken cancellationToken)
    {
        var runId = row.RunId;
        var run = (await rows.ReadRunStateAsync(runId, cancellationToken))!;
        var events = new List<object>();
        var active = RunProgress.ActiveTasks(run).ToList();
        foreach (var task in active.Where(t => !t.CancelSent))
        {
            events.Add(RunProgress.CancelTask(run, task));
            await rows.MarkCancelSentAsync(task.TaskId, task.Attempt, cancellationToken);
        }

        if (RunStates.IsFinal(run.CurrentState))
            return events;
        if (active.Count > 0)
        {
            if (run.CurrentState != RunStates.Cancelling)
                await rows.SetRunStateAsync(runId, RunStates.Cancelling, null, cancellationToken);
            return events;
        }

        if (await rows.EndAsync(runId, cancellationToken) is { } end)
            return [.. events, .. await EndStoppedRunAsync(rows, row, run, end, cancellationToken)];

        var completedAt = DateTimeOffset.UtcNow;
        await rows.SetRunStateAsync(runId, RunStates.Cancelled, completedAt, cancellationToken);
        rows.AfterCommit(() => MFlowMetrics.RunFinished(run.PipelineName, "cancelled", (run.CompletedAt ?? completedAt) - run.StartedAt));
        var ended = run.CompletedAt ?? completedAt;
        events.Add(new RunEnd(row, run.PipelineName, run.StartedAt, ended, links.For(runId)).Cancelled(run.CancelReason ?? "cancelled", run.CancelRequestedBy));
        return events;
    }

    // The stage's last task ended: the stage is complete, and a failed stage or the last one ends the run.
    async Task<IReadOnlyList<object>> CompleteStageAsync(RunRows rows, RunRow run, int stageIndex, bool succeeded, CancellationToken cancellationToken)
    {
        var (name, completedAt, tasks, previousCompletedAt) = await rows.CompleteStageAsync(run.RunId, stageIndex, succeeded, cancellationToken);
        // The idle time before the stage: from the previous stage's end to this one's first task's start.
        if (previousCompletedAt is { } previousEnd && tasks.Min(t => t.StartedAt) is { } firstStart)
            rows.AfterCommit(() => MFlowMetrics.StageDeadTimeObserved(run.PipelineName, firstStart - previousEnd));
        var stage = new StageRecord { Index = stageIndex, Name = name, Completed = true, Succeeded = succeeded, CompletedAt = completedAt };
        var events = new List<object> { RunProgress.StageCompleted(run.RunId, stage, tasks) };
        if (RunStates.IsFinal(run.State))
            return events;
        var (finallyStage, failedStage) = await rows.FinallyViewAsync(run.RunId, cancellationToken);
        if (finallyStage is null)
        {
            if (!succeeded)
                events.AddRange(await EndRunAsync(rows, run, RunStates.Failed, completedAt, (stageIndex, RunProgress.Failures(tasks)), cancellationToken));
            else if (stageIndex == run.StageCount - 1)
                events.AddRange(await EndRunAsync(rows, run, RunStates.Succeeded, completedAt, null, cancellationToken));
            return events;
        }

        // With finally stages the run ends only after the last of them, whatever the main stages did
        // (the scheduler dispatches them on this StageCompleted), and fails if any stage failed.
        if (stageIndex != run.StageCount - 1)
            return events;
        if (failedStage is not { } failedIndex)
            events.AddRange(await EndRunAsync(rows, run, RunStates.Succeeded, completedAt, null, cancellationToken));
        else
        {
            var failedTasks = failedIndex == stageIndex ? tasks
                : ((await rows.ReadRunStateAsync(run.RunId, cancellationToken))?.Tasks.Values.Where(t => t.StageIndex == failedIndex).ToList() ?? []);
            events.AddRange(await EndRunAsync(rows, run, RunStates.Failed, completedAt, (failedIndex, RunProgress.Failures(failedTasks)), cancellationToken));
        }

        return events;
    }

    async Task<IReadOnlyList<object>> EndRunAsync(
        RunRows rows, RunRow run, string state, DateTimeOffset completedAt, (int Stage, IReadOnlyList<TaskFailure> Tasks)? failure, CancellationToken cancellationToken)
    {
        await rows.SetRunStateAsync(run.RunId, state, completedAt, cancellationToken);
        var startedAt = run.StartedAt ?? completedAt;
        rows.AfterCommit(() => MFlowMetrics.RunFinished(run.PipelineName, state.ToLowerInvariant(), completedAt - startedAt));
        var end = new RunEnd(run, run.PipelineName, startedAt, completedAt, links.For(run.RunId));
        return [failure is { } failed ? end.Failed(failed.Stage, failed.Tasks) : end.Succeeded()];
    }

    // One transaction per message, its events in the outbox within it and published after the commit,
    // in the run's trace; what the committed try measured is recorded then, and only then.
    async Task InTransactionAsync(Func<RunRows, Task<IReadOnlyList<object>>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Activity? trace = null;
            try
            {
                IReadOnlyList<PendingMessage> pending;
                RunRows rows;
                await using (var connection = await database.OpenAsync(cancellationToken))
                await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
                {
                    rows = new RunRows(database, connection, transaction);
                    var events = await work(rows);
                    // A message of another trace (a cancel request) still publishes in the run's trace, linked to its own.
                    if (events.Count > 0)
                        trace = MFlowTelemetry.ContinueTrace("run advance", rows.TraceParent);
                    pending = events.Count == 0 ? [] : await outbox.EnqueueAsync(connection, transaction, events, cancellationToken);
                    await journal.AppendAsync(connection, transaction, rows.Changes, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                rows.Committed();
                await outbox.PublishAsync(pending, cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is StartOver || Database.IsConcurrencyConflict(ex))
            {
                // Nothing was committed; the next try reads what the winner wrote. Past the first few
                // tries a short random pause keeps two losers from meeting again and again.
                if (ex is not StartOver)
                    logger.LogDebug("Run transaction lost a race (try {Attempt}): {Error}", attempt, ex.Message);
                if (attempt > 3)
                    await Task.Delay(Random.Shared.Next(1, Math.Min(100, attempt * 5)), cancellationToken);
            }
            finally
            {
                trace?.Dispose();
            }
        }
    }

    // Thrown to roll back and run the message's transaction again from the start.
    sealed class StartOver : Exception;
}
