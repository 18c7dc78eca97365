using MassTransit;

namespace MFlow.ServiceDefaults;

/// <summary>
/// The receive endpoints where systems without MassTransit send commands as plain JSON
/// (<see cref="MFlow.Contracts.PlainJsonQueues"/>).
/// </summary>
public static class PlainJsonEndpoint
{
    /// <summary>
    /// Reads <c>application/json</c> (and a message without a content type) as the bare message, and
    /// keeps reading MassTransit's envelope (<c>application/vnd.masstransit+json</c>). The endpoint binds
    /// no message-type exchange: the envelope form of the same command already reaches its consumer
    /// on the service's own queue, and would otherwise be consumed twice.
    /// </summary>
    /// <remarks>
    /// A plain message carries no message type, so every consumer on the endpoint would take it:
    /// such an endpoint must hold exactly one consumer.
    /// </remarks>
    public static void Configure(IEndpointRegistrationConfigurator endpoint, string queue)
    {
        endpoint.Name = queue;
        endpoint.ConfigureConsumeTopology = false;
    }

    /// <summary>Adds the plain JSON deserializer, the default for a message without a content type.</summary>
    public static void UsePlainJson(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.Default, isDefault: true);
}
