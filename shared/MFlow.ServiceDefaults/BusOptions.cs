namespace MFlow.ServiceDefaults;

/// <summary>Which transport carries MFlow's messages, bound from the "MFlow:Bus" configuration section.</summary>
public sealed class BusOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Bus";

    /// <summary>"RabbitMq" (the default for services) or "InMemory" (the embedded default and saga specs).</summary>
    public BusTransport Transport { get; set; } = BusTransport.RabbitMq;

    /// <summary>
    /// The broker, as an AMQP URL (amqp://user:password@host:port/vhost). Read from
    /// "ConnectionStrings:RabbitMq" when not set here.
    /// </summary>
    public string? RabbitMqUrl { get; set; }

    /// <summary>How many messages a receive endpoint asks the broker for ahead of processing.</summary>
    public int PrefetchCount { get; set; } = 32;

    /// <summary>
    /// The AMQP heartbeat. A connection that stops hearing from the broker is declared dead after two
    /// missed heartbeats and replaced; with the client's default (60 s, and 0 means that default) a
    /// connection wedged by a broker crash held publishes and deliveries for minutes.
    /// </summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The transports MFlow supports.</summary>
public enum BusTransport
{
    /// <summary>A RabbitMQ broker: durable queues, at-least-once delivery between processes.</summary>
    RabbitMq,

    /// <summary>MassTransit's in-memory transport: one process, nothing survives a restart.</summary>
    InMemory,
}
