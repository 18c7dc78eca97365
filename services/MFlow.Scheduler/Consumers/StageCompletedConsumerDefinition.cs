using MassTransit;

namespace MFlow.Scheduler.Consumers;

/// <summary>Puts StageCompleted on the scheduler's queue.</summary>
public sealed class StageCompletedConsumerDefinition : ConsumerDefinition<StageCompletedConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public StageCompletedConsumerDefinition() => EndpointName = StartPipelineConsumerDefinition.QueueName;
}
