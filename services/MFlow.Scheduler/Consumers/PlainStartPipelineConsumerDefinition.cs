using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Consumers;

/// <summary>Puts <see cref="PlainStartPipelineConsumer"/> alone on "mflow-start-pipeline", reading plain JSON.</summary>
public sealed class PlainStartPipelineConsumerDefinition : ConsumerDefinition<PlainStartPipelineConsumer>
{
    /// <summary>Names the endpoint; it binds no message-type exchange.</summary>
    public PlainStartPipelineConsumerDefinition() => Endpoint(endpoint => PlainJsonEndpoint.Configure(endpoint, PlainJsonQueues.StartPipeline));

    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<PlainStartPipelineConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UsePlainJson();
}
