namespace MFlow.Testing;

/// <summary>A queue as the RabbitMQ management API reports it (statistics refresh every 500 ms on the test broker).</summary>
/// <param name="Name">The queue name.</param>
/// <param name="MessagesReady">Messages waiting to be delivered.</param>
/// <param name="MessagesUnacknowledged">Messages delivered to a consumer and not yet acknowledged.</param>
/// <param name="Consumers">Consumers attached to the queue.</param>
public sealed record RabbitMqQueue(string Name, long MessagesReady, long MessagesUnacknowledged, long Consumers);
