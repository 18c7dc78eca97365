using MassTransit;

namespace MFlow.Scheduler.Consumers;

/// <summary>Puts the scheduler's consumers on one queue, "mflow-scheduler".</summary>
public sealed class StartPipelineConsumerDefinition : ConsumerDefinition<StartPipelineConsumer>
{
    /// <summary>The scheduler's queue.</summary>
    public const string QueueName = "mflow-scheduler";

    /// <summary>Names the endpoint.</summary>
    public StartPipelineConsumerDefinition() => EndpointName = QueueName;
}
