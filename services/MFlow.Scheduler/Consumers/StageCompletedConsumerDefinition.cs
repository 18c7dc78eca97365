using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Consumers;

/// <summary>Puts StageCompleted on the scheduler's queue.</summary>
public sealed class StageCompletedConsumerDefinition : ConsumerDefinition<StageCompletedConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public StageCompletedConsumerDefinition() => EndpointName = StartPipelineConsumerDefinition.QueueName;

    /// <inheritdoc />
    // Without a run id the message would be consumed as "no such run" and vanish; as a fault it
    // lands in the error queue, where an operator sees it.
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<StageCompletedConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.Message<StageCompleted>(message => message.UseExecute(consumed =>
        {
            if (consumed.Message.RunId == Guid.Empty)
                throw new PermanentMessageException("Invalid StageCompleted: runId is missing.");
        }));
}
