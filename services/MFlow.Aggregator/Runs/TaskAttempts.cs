using MFlow.Contracts;
using MFlow.Persistence.Outbox;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// What the aggregator does about attempts beyond the first, inside a task update's transaction: a
/// failed attempt with retries left moves its task to the next attempt, dispatched after its backoff;
/// an attempt that reports progress after its task moved on is stopped.
/// </summary>
public static class TaskAttempts
{
    /// <summary>
    /// The tasks whose attempt failed before the plan arrived and that get a retry (their plan
    /// allows one and the reason is not permanent), by task id, with their plan row as it will be stored.
    /// </summary>
    public static IReadOnlyDictionary<Guid, (TaskUpdated Failed, PlannedTaskRow Planned)> RetriedBeforePlan(PipelineRunStarted started, PipelineRunState? early)
    {
        var retried = new Dictionary<Guid, (TaskUpdated, PlannedTaskRow)>();
        foreach (var stage in started.Stages)
        {
            foreach (var task in stage.Tasks)
            {
                if (early?.Tasks.GetValueOrDefault(task.TaskId) is not { State: TaskState.Failed } failed)
                    continue;
                var planned = new PlannedTaskRow(stage.Index, task.Name, task.Kind, task.Target, failed.Attempt, task.Retries, 0, task.RetryBackoff);
                if (planned.RetriesAfter(failed.Reason))
                    retried[task.TaskId] = (new TaskUpdated { RunId = started.RunId, TaskId = task.TaskId, Attempt = failed.Attempt }, planned);
            }
        }

        return retried;
    }

    /// <summary>
    /// The run now waits for the next attempt of <paramref name="update"/>'s task; the scheduler is
    /// asked to dispatch it once the backoff has passed (a delayed message in the outbox, written in
    /// this transaction, so neither a crash nor a replay loses or doubles it).
    /// </summary>
    public static async Task<IReadOnlyList<object>> RetryAsync(RunRows rows, TaskUpdated update, PlannedTaskRow planned, CancellationToken cancellationToken)
    {
        if (!await rows.ScheduleRetryAsync(update.TaskId, update.Attempt, cancellationToken))
            return [];
        var next = new DispatchTaskAttempt { RunId = update.RunId, TaskId = update.TaskId, Attempt = update.Attempt + 1, Cause = "retry" };
        return [new DelayedMessage(next, DateTimeOffset.UtcNow + planned.NextDelay)];
    }

    /// <summary>
    /// An attempt the run no longer waits for (a retry or a resume dispatched a later one) is running
    /// or about to: it is stopped, once. Its row keeps what it reported; it never counts.
    /// </summary>
    public static async Task<IReadOnlyList<object>> StopSupersededAsync(
        RunRows rows, TaskUpdated update, PlannedTaskRow planned, TaskRecord applied, CancellationToken cancellationToken)
    {
        if (applied.CancelSent)
            return [];
        await rows.MarkCancelSentAsync(update.TaskId, update.Attempt, cancellationToken);
        return
        [
            new CancelTask
            {
                RunId = update.RunId,
                TaskId = update.TaskId,
                TaskName = planned.Name,
                Kind = planned.Kind,
                Attempt = update.Attempt,
                Target = planned.Target,
                Reason = $"attempt {update.Attempt} was superseded by attempt {planned.Attempt}",
            },
        ];
    }
}
