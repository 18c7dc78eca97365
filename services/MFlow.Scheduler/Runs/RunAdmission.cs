using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Stores a planned run and admits it, all or nothing: its row, its <c>PipelineRunStarted</c>, and its
/// place in its concurrency group with what follows (its first stage, gate and timers), in one
/// transaction whose messages the outbox publishes after the commit. A new run and a rerun both come here.
/// </summary>
public sealed class RunAdmission(Database database, RunStore store, Outbox.Outbox outbox, RunLinks links, Control.RunControl control)
{
    /// <summary>Admits the run; false when a run with this id (its idempotency key) exists already, and nothing was stored.</summary>
    /// <exception cref="Control.ConcurrencyLimitException">Its concurrency group is full and refuses more; nothing was stored.</exception>
    public async Task<bool> TryAdmitAsync(Guid runId, RunRequest request, RunPlan plan, Guid? rerunOf, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        IReadOnlyList<PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (!await store.TryInsertAsync(connection, transaction, runId, request, plan, now, cancellationToken, rerunOf))
                return false;

            var messages = new List<object> { StageDispatcher.Started(runId, plan, request, now) with { RunUrl = links.For(runId) } };
            // Its first stage, its first stage's gate, or its place in its concurrency group's queue.
            messages.AddRange(await control.AdmitAsync(connection, transaction, runId, plan, now, cancellationToken));
            pending = await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        MFlowMetrics.RunStarted(plan.PipelineName);
        await outbox.PublishAsync(pending, cancellationToken);
        return true;
    }
}
