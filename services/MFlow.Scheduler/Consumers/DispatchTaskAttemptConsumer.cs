using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// Dispatches a later attempt of a task (a retry after its backoff, or a resume) when the aggregator
/// asks. The attempt's update token is issued once, so a duplicate request dispatches nothing; a
/// request for an attempt the run no longer waits for (it ended, was cancelled, or moved the task on)
/// is dropped.
/// </summary>
public sealed class DispatchTaskAttemptConsumer(Database database, RunStore store, RunDispatcher dispatcher, Outbox.Outbox outbox, ILogger<DispatchTaskAttemptConsumer> logger)
    : IConsumer<DispatchTaskAttempt>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<DispatchTaskAttempt> context)
    {
        var request = context.Message;
        var cancellationToken = context.CancellationToken;
        IReadOnlyList<PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var found = await store.ReadForDispatchAsync(connection, transaction, request.RunId, cancellationToken);
            var stage = found?.Plan.Stages.FirstOrDefault(s => s.Tasks.Any(t => t.TaskId == request.TaskId));
            if (found is not { } run || stage is null)
            {
                logger.LogWarning("Run {RunId} has no task {TaskId}: attempt {Attempt} not dispatched", request.RunId, request.TaskId, request.Attempt);
                return;
            }

            if (!await RunStore.WaitsForAttemptAsync(connection, transaction, request.RunId, request.TaskId, request.Attempt, cancellationToken))
            {
                logger.LogInformation("Run {RunId} no longer waits for attempt {Attempt} of task {TaskId}: not dispatched", request.RunId, request.Attempt, request.TaskId);
                return;
            }

            var task = stage.Tasks.First(t => t.TaskId == request.TaskId);
            var outputs = RunDispatcher.Outputs(run);
            var message = await dispatcher.AttemptMessageAsync(connection, transaction, request.RunId, run.Plan, stage, task, request.Attempt, outputs, cancellationToken);
            if (message is null)
                return; // dispatched before: this is a duplicate

            pending = await outbox.EnqueueAsync(connection, transaction, [message], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Run {RunId}: task {Task} attempt {Attempt} dispatched ({Cause})", request.RunId, task.Name, request.Attempt, request.Cause);
        }

        await outbox.PublishAsync(pending, cancellationToken);
    }
}

/// <summary>Puts DispatchTaskAttempt on the scheduler's queue.</summary>
public sealed class DispatchTaskAttemptConsumerDefinition : ConsumerDefinition<DispatchTaskAttemptConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public DispatchTaskAttemptConsumerDefinition() => EndpointName = StartPipelineConsumerDefinition.QueueName;

    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<DispatchTaskAttemptConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.Message<DispatchTaskAttempt>(message => message.UseExecute(consumed =>
        {
            if (consumed.Message.RunId == Guid.Empty || consumed.Message.TaskId == Guid.Empty || consumed.Message.Attempt < 1)
                throw new MFlow.ServiceDefaults.PermanentMessageException("Invalid DispatchTaskAttempt: runId, taskId and an attempt are required.");
        }));
}
