using System.Text.Json;
using RabbitMQ.Client;

namespace MFlow.IntegrationTests.Support;

/// <summary>
/// A queue of the test's own, bound to the exchanges MassTransit publishes message types to, so that
/// it receives a copy of every such message published in the virtual host. It is read with basic.get,
/// not a consumer: once a publisher's confirm came back, the copy is in this queue, and
/// <see cref="DrainAsync"/> returns it; nothing is in flight in the test itself.
/// </summary>
public sealed class MessageSpy : IAsyncDisposable
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;
    private readonly List<SpiedMessage> _received = [];
    private readonly SemaphoreSlim _lock = new(1, 1);

    private MessageSpy(IConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
    }

    /// <summary>MassTransit's exchange for a message type: <c>Namespace:Name</c>.</summary>
    public static string ExchangeOf(Type messageType) => $"{messageType.Namespace}:{messageType.Name}";

    /// <summary>Declares the spy queue and binds it to the exchanges of <paramref name="messageTypes"/>.</summary>
    public static async Task<MessageSpy> StartAsync(Uri virtualHostUrl, IEnumerable<Type> messageTypes, CancellationToken cancellationToken = default)
    {
        var connection = await new ConnectionFactory { Uri = virtualHostUrl, ClientProvidedName = "mflow-tests-spy" }
            .CreateConnectionAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var queue = "mflow-tests-spy-" + Guid.NewGuid().ToString("N")[..8];
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var type in messageTypes)
        {
            // Declared as MassTransit declares them, so whoever comes second agrees with the first.
            var exchange = ExchangeOf(type);
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.QueueBindAsync(queue, exchange, "", cancellationToken: cancellationToken);
        }

        return new MessageSpy(connection, channel, queue);
    }

    /// <summary>Reads everything that reached the spy queue so far; returns every message received since the start.</summary>
    public async Task<IReadOnlyList<SpiedMessage>> DrainAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            while (await _channel.BasicGetAsync(_queue, autoAck: true, cancellationToken) is { } result)
            {
                using var envelope = JsonDocument.Parse(result.Body);
                var root = envelope.RootElement;
                var messageType = root.GetProperty("messageType")[0].GetString()!;
                _received.Add(new SpiedMessage(
                    messageType,
                    root.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : null,
                    root.GetProperty("message").Clone(),
                    result.Body.ToArray()));
            }

            return [.. _received];
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The messages of type <typeparamref name="T"/> received so far (after draining).</summary>
    public async Task<IReadOnlyList<T>> MessagesAsync<T>(CancellationToken cancellationToken = default)
        where T : class
        => (await EnvelopesAsync<T>(cancellationToken)).Select(envelope => envelope.Message).ToList();

    /// <summary>The messages of type <typeparamref name="T"/> received so far, each with its envelope's message id.</summary>
    public async Task<IReadOnlyList<(T Message, Guid? MessageId)>> EnvelopesAsync<T>(CancellationToken cancellationToken = default)
        where T : class
    {
        var urn = SpiedMessage.UrnOf(typeof(T));
        return (await DrainAsync(cancellationToken))
            .Where(message => message.MessageType == urn)
            .Select(message => (message.Message.Deserialize<T>(_json)!, message.MessageId))
            .ToList();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        _lock.Dispose();
    }
}

/// <summary>A message the spy received: its MassTransit type, id and body.</summary>
/// <param name="MessageType">The first message type URN of the envelope, e.g. <c>urn:message:MFlow.Contracts:TaskUpdated</c>.</param>
/// <param name="MessageId">The envelope's message id.</param>
/// <param name="Message">The envelope's <c>message</c>.</param>
/// <param name="Body">The raw envelope.</param>
public sealed record SpiedMessage(string MessageType, Guid? MessageId, JsonElement Message, byte[] Body)
{
    /// <summary>The URN MassTransit gives a message type.</summary>
    public static string UrnOf(Type type) => $"urn:message:{type.Namespace}:{type.Name}";
}
