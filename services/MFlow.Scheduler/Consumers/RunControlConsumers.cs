using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.Scheduler.Control;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// A run ended (its terminal event): its open gate closes and its concurrency slot frees, starting
/// the queued runs that now fit. A duplicate event frees nothing.
/// </summary>
public sealed class RunEndedConsumer(Database database, RunControl control, Outbox.Outbox outbox, ILogger<RunEndedConsumer> logger)
    : IConsumer<PipelineRunSucceeded>, IConsumer<PipelineRunFailed>, IConsumer<PipelineRunCancelled>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunSucceeded> context) => EndedAsync(context.Message.RunId, context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunFailed> context) => EndedAsync(context.Message.RunId, context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunCancelled> context) => EndedAsync(context.Message.RunId, context.CancellationToken);

    async Task EndedAsync(Guid runId, CancellationToken cancellationToken)
    {
        if (runId == Guid.Empty)
            throw new PermanentMessageException("Invalid run event: runId is missing.");
        IReadOnlyList<PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var messages = await control.RunEndedAsync(connection, transaction, runId, DateTimeOffset.UtcNow, cancellationToken);
            pending = messages.Count == 0 ? [] : await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (pending.Count > 0)
            logger.LogInformation("Run {RunId} ended: {Messages} messages start the runs its concurrency slot lets in", runId, pending.Count);
        await outbox.PublishAsync(pending, cancellationToken);
    }
}

/// <summary>An approval gate's timer: its onTimeout decides the gate if it is still open.</summary>
public sealed class ApprovalTimedOutConsumer(RunControl control, ILogger<ApprovalTimedOutConsumer> logger) : IConsumer<ApprovalTimedOut>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ApprovalTimedOut> context)
    {
        var timedOut = context.Message;
        if (timedOut.RunId == Guid.Empty)
            throw new PermanentMessageException("Invalid ApprovalTimedOut: runId is missing.");
        var gate = await control.OpenGateAsync(timedOut.RunId, context.CancellationToken);
        if (gate is null || gate.StageIndex != timedOut.StageIndex)
            return; // decided before the timer came (or it came twice)
        var approve = gate.Approval.OnTimeout == "approve";
        var outcome = await control.DecideAsync(timedOut.RunId, timedOut.StageIndex, approve, Approver.Timer, $"no decision within {MFlow.Documents.DurationText.Format(gate.Approval.Timeout ?? TimeSpan.Zero)}", context.CancellationToken);
        logger.LogInformation("Run {RunId}: approval of stage {Stage} timed out: {Outcome}", timedOut.RunId, gate.StageName, outcome.Result == DecisionResult.Decided ? (approve ? "approved" : "rejected") : "already decided");
    }
}

/// <summary>Puts the run-control consumers on the scheduler's queue.</summary>
public sealed class RunEndedConsumerDefinition : ConsumerDefinition<RunEndedConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public RunEndedConsumerDefinition() => EndpointName = StartPipelineConsumerDefinition.QueueName;
}

/// <summary>Puts ApprovalTimedOut on the scheduler's queue.</summary>
public sealed class ApprovalTimedOutConsumerDefinition : ConsumerDefinition<ApprovalTimedOutConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public ApprovalTimedOutConsumerDefinition() => EndpointName = StartPipelineConsumerDefinition.QueueName;
}
