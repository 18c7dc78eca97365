using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// Dispatches the next stage when the aggregator reports a stage succeeded. The dispatch cursor in
/// the runs table makes a duplicate <see cref="StageCompleted"/> dispatch nothing.
/// </summary>
public sealed class StageCompletedConsumer(Database database, RunStore store, RunDispatcher dispatcher, Outbox.Outbox outbox, ILogger<StageCompletedConsumer> logger)
    : IConsumer<StageCompleted>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<StageCompleted> context)
    {
        var completed = context.Message;
        if (!completed.Succeeded)
            return; // the run failed: nothing more is dispatched

        var cancellationToken = context.CancellationToken;
        IReadOnlyList<PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var advanced = await store.TryAdvanceAsync(connection, transaction, completed, cancellationToken);
            var next = completed.StageIndex + 1;
            if (advanced is not { } found || next >= found.Plan.Stages.Count)
            {
                await transaction.CommitAsync(cancellationToken);
                return;
            }

            var (plan, reported) = found;

            var outputs = await dispatcher.OutputsAsync(connection, transaction, completed.RunId, plan, reported, cancellationToken);
            var messages = await dispatcher.StageMessagesAsync(connection, transaction, completed.RunId, plan, next, outputs, cancellationToken);
            pending = await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Run {RunId}: stage {Stage} dispatched ({Tasks} tasks)", completed.RunId, plan.Stages[next].Name, messages.Count);
        }

        await outbox.PublishAsync(pending, cancellationToken);
    }
}
