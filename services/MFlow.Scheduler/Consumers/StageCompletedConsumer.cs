using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// Dispatches the next stage when the aggregator reports a stage succeeded (or, in a run with finally
/// stages, failed: then the next is a finally stage). The dispatch cursor in the runs table makes a
/// duplicate <see cref="StageCompleted"/> dispatch nothing.
/// </summary>
public sealed partial class StageCompletedConsumer(Database database, RunStore store, Control.RunControl control, Outbox.Outbox outbox, ILogger<StageCompletedConsumer> logger)
    : IConsumer<StageCompleted>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<StageCompleted> context)
    {
        var completed = context.Message;

        var cancellationToken = context.CancellationToken;
        IReadOnlyList<PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // A failed stage ends the run, unless finally stages follow (see TryAdvanceAsync).
            var advanced = await store.TryAdvanceAsync(connection, transaction, completed, cancellationToken);
            if (advanced is null || advanced.Next >= advanced.Plan.Stages.Count)
            {
                await transaction.CommitAsync(cancellationToken);
                return;
            }

            var (plan, next) = (advanced.Plan, advanced.Next);
            var outputs = RunDispatcher.Outputs(advanced);
            // The stage's tasks, or its approval gate.
            var messages = await control.StartStageAsync(connection, transaction, completed.RunId, plan, next, outputs, gatePassed: false, DateTimeOffset.UtcNow, cancellationToken);
            pending = await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogDispatched(logger, completed.RunId, plan.Stages[next].Name, messages.Count);
        }

        await outbox.PublishAsync(pending, cancellationToken);
    }

    // One per stage of every run: Debug, like the workers' per-task lines; the run's events say the same.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId}: stage {Stage} dispatched ({Tasks} tasks)")]
    private static partial void LogDispatched(ILogger logger, Guid runId, string stage, int tasks);
}
