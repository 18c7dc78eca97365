using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// Dispatches the next stage when the aggregator reports a stage succeeded. The dispatch cursor in
/// the runs table makes a duplicate <see cref="StageCompleted"/> dispatch nothing.
/// </summary>
public sealed class StageCompletedConsumer(Database database, RunStore store, Outbox.Outbox outbox, ILogger<StageCompletedConsumer> logger)
    : IConsumer<StageCompleted>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<StageCompleted> context)
    {
        var completed = context.Message;
        if (!completed.Succeeded)
            return; // the run failed: nothing more is dispatched

        var cancellationToken = context.CancellationToken;
        IReadOnlyList<Outbox.PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var plan = await store.TryAdvanceAsync(connection, transaction, completed.RunId, completed.StageIndex, cancellationToken);
            var next = completed.StageIndex + 1;
            if (plan is null || next >= plan.Stages.Count)
            {
                await transaction.CommitAsync(cancellationToken);
                return;
            }

            var commands = StageDispatcher.Commands(completed.RunId, plan, next, DateTimeOffset.UtcNow);
            pending = await outbox.EnqueueAsync(connection, transaction, commands, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Run {RunId}: stage {Stage} dispatched ({Tasks} tasks)", completed.RunId, plan.Stages[next].Name, commands.Count);
        }

        await outbox.PublishAsync(pending, cancellationToken);
    }
}
