using MassTransit;
using MFlow.Aggregator.Runs;

namespace MFlow.Aggregator.Consumers;

/// <summary>Answers on the aggregator's queue.</summary>
public sealed class GetTaskOutcomesConsumerDefinition : ConsumerDefinition<GetTaskOutcomesConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public GetTaskOutcomesConsumerDefinition() => EndpointName = TaskUpdatedConsumerDefinition.QueueName;
}
