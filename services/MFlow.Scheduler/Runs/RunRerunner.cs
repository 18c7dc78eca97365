using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Starts a new run from an earlier run's snapshot: the same plan (exact job versions, resolved
/// params, sensitive values as they were stored, encrypted), new task ids, and a link back to the
/// original. Nothing is resolved again, so a job published or a param changed since makes no difference.
/// </summary>
public sealed class RunRerunner(Database database, RunStore store, Outbox.Outbox outbox, RunLinks links, Control.RunControl control, ILogger<RunRerunner> logger)
{
    /// <summary>
    /// Reruns <paramref name="original"/>. The idempotency key, if any, is scoped to the original: the
    /// same key twice for one run starts one rerun, and it never meets a key of a run started otherwise.
    /// </summary>
    /// <exception cref="Control.ConcurrencyLimitException">Its concurrency group is full and refuses more; nothing was stored.</exception>
    public async Task<SubmittedRun> RerunAsync(StoredRun original, string? idempotencyKey, string? triggeredBy, CancellationToken cancellationToken)
    {
        var runId = idempotencyKey is { Length: > 0 } key
            ? DeterministicGuid.Create(DeterministicGuid.RunNamespace, $"rerun:{original.Id:N}:{key}")
            : Guid.CreateVersion7();
        var plan = original.Plan with
        {
            Stages = original.Plan.Stages.Select(stage => stage with
            {
                Tasks = stage.Tasks.Select(task => task with { TaskId = RunPlanner.TaskId(runId, task.Name) }).ToList(),
            }).ToList(),
        };
        // The rerun's own request: who asked now, what caused it; the original's key stays the original's.
        var request = new RunRequest { Pipeline = new(), TriggeredBy = triggeredBy, Trigger = "rerun", Mode = plan.Mode };
        var now = DateTimeOffset.UtcNow;

        IReadOnlyList<PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (!await store.TryInsertAsync(connection, transaction, runId, request, plan, now, cancellationToken, rerunOf: original.Id))
                return new SubmittedRun(runId, Created: false);

            var messages = new List<object> { StageDispatcher.Started(runId, plan, request, now) with { RunUrl = links.For(runId) } };
            // Admitted as a new run is: its concurrency group's slot or queue, its first gate, its timers.
            messages.AddRange(await control.AdmitAsync(connection, transaction, runId, plan, now, cancellationToken));

            pending = await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        MFlowMetrics.RunStarted(plan.PipelineName);
        logger.LogInformation("Run {RunId} reruns run {Original} of pipeline {Pipeline}", runId, original.Id, plan.PipelineName);
        await outbox.PublishAsync(pending, cancellationToken);
        return new SubmittedRun(runId, Created: true);
    }
}
