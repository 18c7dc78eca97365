using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// The saga's endpoint. Concurrency is optimistic (a version column, see SqlSagaRepository): within
/// one aggregator, messages of the same run are partitioned so they never race; across aggregator
/// replicas a lost race throws ConcurrencyException and the bus retry replays the message on fresh
/// state. Pessimistic row locks would serialize replicas on hot runs for no gain.
/// </summary>
public sealed class PipelineRunStateDefinition : SagaDefinition<PipelineRunState>
{
    /// <summary>The queue the aggregator consumes from.</summary>
    public const string QueueName = "mflow-aggregator";

    const int Partitions = 32;

    /// <summary>Names the endpoint and bounds its concurrency.</summary>
    public PipelineRunStateDefinition()
    {
        EndpointName = QueueName;
        ConcurrentMessageLimit = Partitions;
    }

    /// <inheritdoc />
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<PipelineRunState> sagaConfigurator, IRegistrationContext context)
    {
        var partitioner = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<PipelineRunStarted>(m => m.UsePartitioner(partitioner, c => c.Message.RunId));
        sagaConfigurator.Message<TaskUpdated>(m => m.UsePartitioner(partitioner, c => c.Message.RunId));
        sagaConfigurator.Message<CancelPipelineRun>(m => m.UsePartitioner(partitioner, c => c.Message.RunId));
    }
}
