using System.Text;

namespace MFlow.Testing;

/// <summary>A message read from a queue with <see cref="RabbitMqVirtualHost.GetMessagesAsync"/>.</summary>
/// <param name="Body">The raw body.</param>
/// <param name="ContentType">The content-type property, if set.</param>
/// <param name="Headers">
/// The headers, with AMQP long strings decoded as UTF-8 <see cref="string"/>s (also inside nested
/// tables and arrays); for MassTransit faults see <c>MT-Fault-Message</c>, <c>MT-Fault-ExceptionType</c>,
/// <c>MT-Reason</c>.
/// </param>
/// <param name="Exchange">The exchange the message was published to.</param>
/// <param name="RoutingKey">The routing key it was published with.</param>
/// <param name="Redelivered">Whether the broker delivered it before.</param>
public sealed record RabbitMqMessage(
    byte[] Body,
    string? ContentType,
    IReadOnlyDictionary<string, object?> Headers,
    string Exchange,
    string RoutingKey,
    bool Redelivered)
{
    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A header's value as text, or null when the message has no such header.</summary>
    /// <param name="name">The header name, e.g. <c>MT-Fault-ExceptionType</c>.</param>
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var value) ? value?.ToString() : null;

    /// <summary>Summary for assertion messages: routing, content type, headers and the start of the body.</summary>
    public override string ToString()
    {
        var body = BodyText;
        if (body.Length > 200)
        {
            body = body[..200] + "...";
        }

        var headers = string.Join(", ", Headers.Select(header => $"{header.Key}={header.Value}"));
        return $"{{ exchange={Exchange}, routingKey={RoutingKey}, contentType={ContentType}, headers=[{headers}], body={body} }}";
    }
}
