using System.ComponentModel.DataAnnotations;

namespace MFlow.ServiceDefaults;

/// <summary>Which transport carries MFlow's messages, bound from the "MFlow:Bus" configuration section.</summary>
public sealed class BusOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Bus";

    /// <summary>"RabbitMq" (the default for services) or "InMemory" (the embedded default and the aggregator specs).</summary>
    public BusTransport Transport { get; set; } = BusTransport.RabbitMq;

    /// <summary>
    /// The broker, as an AMQP URL (amqp://user:password@host:port/vhost). Read from
    /// "ConnectionStrings:RabbitMq" when not set here.
    /// </summary>
    public string? RabbitMqUrl { get; set; }

    /// <summary>How many messages a receive endpoint asks the broker for ahead of processing.</summary>
    [Range(1, 10_000, ErrorMessage = "MFlow:Bus:PrefetchCount must be between {1} and {2}.")]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>
    /// The AMQP heartbeat. A connection that stops hearing from the broker is declared dead after two
    /// missed heartbeats and replaced; with the client's default (60 s, and 0 means that default) a
    /// connection wedged by a broker crash held publishes and deliveries for minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "MFlow:Bus:Heartbeat must be between {1} and {2}.")]
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Transport != BusTransport.RabbitMq)
            yield break;
        if (string.IsNullOrWhiteSpace(RabbitMqUrl))
            yield return new ValidationResult(
                "No RabbitMQ URL: set ConnectionStrings:RabbitMq (env ConnectionStrings__RabbitMq) or MFlow:Bus:Transport=InMemory.", [nameof(RabbitMqUrl)]);
        else if (!RabbitMqAddress.TryParse(RabbitMqUrl, out _))
            yield return new ValidationResult(RabbitMqAddress.NotAnAmqpUrl, [nameof(RabbitMqUrl)]);
    }
}

/// <summary>The transports MFlow supports.</summary>
public enum BusTransport
{
    /// <summary>A RabbitMQ broker: durable queues, at-least-once delivery between processes.</summary>
    RabbitMq,

    /// <summary>MassTransit's in-memory transport: one process, nothing survives a restart.</summary>
    InMemory,
}
