using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;

namespace MFlow.Aggregator.Consumers;

/// <summary>
/// Puts a run message's consumer on the aggregator's queue, "mflow-aggregator". A message without its
/// ids would correlate to the empty Guid and create (or change) a run of that id: it is refused before
/// the consumer sees it, and lands in the error queue.
/// </summary>
/// <remarks>
/// Messages are not partitioned by run: one run's updates are applied concurrently (each locks only
/// its task attempt's row; see RunRows), in this process as across replicas.
/// </remarks>
public abstract class RunMessageDefinition<TConsumer, TMessage> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TMessage>
    where TMessage : class
{
    readonly Func<TMessage, (string Name, Guid Value)[]> _ids;

    /// <summary>Names the endpoint and bounds its concurrency; <paramref name="ids"/> names the ids a message must carry.</summary>
    protected RunMessageDefinition(Func<TMessage, (string Name, Guid Value)[]> ids)
    {
        _ids = ids;
        EndpointName = QueueName;
        ConcurrentMessageLimit = ConcurrentMessages;
    }

    /// <summary>The queue the aggregator consumes from.</summary>
    public const string QueueName = "mflow-aggregator";

    /// <summary>How many messages one aggregator handles at once.</summary>
    public const int ConcurrentMessages = 32;

    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        consumerConfigurator.Message<TMessage>(message => message.UseExecute(consumed =>
        {
            var missing = _ids(consumed.Message).Where(id => id.Value == Guid.Empty).Select(id => $"{id.Name} is missing").ToList();
            if (missing.Count > 0)
                throw new PermanentMessageException($"Invalid {typeof(TMessage).Name}: {string.Join("; ", missing)}.");
        }));
    }
}

/// <summary>TaskUpdated on the aggregator's queue.</summary>
public sealed class TaskUpdatedConsumerDefinition()
    : RunMessageDefinition<TaskUpdatedConsumer, TaskUpdated>(m => [("runId", m.RunId), ("taskId", m.TaskId)]);

/// <summary>PipelineRunStarted on the aggregator's queue.</summary>
public sealed class PipelineRunStartedConsumerDefinition()
    : RunMessageDefinition<PipelineRunStartedConsumer, PipelineRunStarted>(m => [("runId", m.RunId)]);

/// <summary>CancelPipelineRun on the aggregator's queue.</summary>
public sealed class CancelPipelineRunConsumerDefinition()
    : RunMessageDefinition<CancelPipelineRunConsumer, CancelPipelineRun>(m => [("runId", m.RunId)]);

/// <summary>CancelPipelineRun as plain JSON, alone on "mflow-cancel-pipeline-run".</summary>
public sealed class PlainCancelPipelineRunConsumerDefinition : RunMessageDefinition<PlainCancelPipelineRunConsumer, CancelPipelineRun>
{
    /// <summary>Names the endpoint; it binds no message-type exchange.</summary>
    public PlainCancelPipelineRunConsumerDefinition()
        : base(m => [("runId", m.RunId)])
    {
        // The base named the aggregator's queue, and that name wins over the endpoint's.
        EndpointName = PlainJsonQueues.CancelPipelineRun;
        Endpoint(endpoint => PlainJsonEndpoint.Configure(endpoint, PlainJsonQueues.CancelPipelineRun));
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<PlainCancelPipelineRunConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UsePlainJson();
        base.ConfigureConsumer(endpointConfigurator, consumerConfigurator, context);
    }
}
