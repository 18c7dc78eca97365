using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace MFlow.Testing;

/// <summary>
/// A fresh virtual host <c>t-&lt;guid&gt;</c> on the test run's RabbitMQ, deleted (with its queues and
/// exchanges) on dispose; one per test so that tests never consume each other's messages. Also reads
/// and writes raw messages the way an outside system or an operator would.
/// </summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    private static readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(10) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private readonly Uri _managementUrl;
    private readonly AuthenticationHeaderValue _authorization;
    private int _disposed;

    private RabbitMqVirtualHost(string name, Uri url, Uri managementUrl, AuthenticationHeaderValue authorization)
    {
        Name = name;
        Url = url;
        _managementUrl = managementUrl;
        _authorization = authorization;
    }

    /// <summary>The virtual host's name, <c>t-</c> followed by 32 hexadecimal digits.</summary>
    public string Name { get; }

    /// <summary>AMQP URL of this virtual host, e.g. <c>amqp://mflow-test:secret@127.0.0.1:23917/t-0123...</c>.</summary>
    public Uri Url { get; }

    /// <summary>Creates the virtual host and gives the broker's user all permissions on it.</summary>
    /// <param name="server">The broker; by default the test run's (<see cref="TestEnvironment.RabbitMqAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="InvalidOperationException">The test run's broker could not be started.</exception>
    public static async Task<RabbitMqVirtualHost> CreateAsync(RabbitMqServer? server = null, CancellationToken cancellationToken = default)
    {
        server ??= await TestEnvironment.RabbitMqAsync(cancellationToken).ConfigureAwait(false);
        var brokerUrl = server.AmqpUrl;
        var userInfo = brokerUrl.UserInfo.Split(':', 2);
        var user = Uri.UnescapeDataString(userInfo[0]);
        var authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            Uri.UnescapeDataString(brokerUrl.UserInfo))));
        var name = "t-" + Guid.NewGuid().ToString("N");
        var url = new UriBuilder(brokerUrl) { Path = "/" + Uri.EscapeDataString(name) }.Uri;
        var virtualHost = new RabbitMqVirtualHost(name, url, server.ManagementUrl, authorization);

        await virtualHost.SendAsync(HttpMethod.Put, $"api/vhosts/{virtualHost.EscapedName}", new { }, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await virtualHost.SendAsync(
                    HttpMethod.Put,
                    $"api/permissions/{virtualHost.EscapedName}/{Uri.EscapeDataString(user)}",
                    new { configure = ".*", write = ".*", read = ".*" },
                    cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            await virtualHost.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return virtualHost;
    }

    private string EscapedName => Uri.EscapeDataString(Name);

    /// <summary>
    /// Publishes raw bytes, as an upstream system that does not use MassTransit would. The message goes to
    /// the exchange named <paramref name="destination"/> if there is one (MassTransit binds an exchange of
    /// the same name to each endpoint's queue), otherwise straight to the queue of that name. The call
    /// returns once the broker has confirmed the message, and fails if nothing received it.
    /// </summary>
    /// <param name="destination">An exchange or queue name in this virtual host.</param>
    /// <param name="body">The message body.</param>
    /// <param name="contentType">The content type, e.g. <c>application/vnd.masstransit+json</c> or <c>application/json</c>.</param>
    /// <param name="headers">Headers; string values are sent as AMQP long strings.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <exception cref="InvalidOperationException">
    /// Neither an exchange nor a queue of that name exists, or the broker returned the message as
    /// unroutable (an exchange with no queue bound) or refused it.
    /// </exception>
    public async Task PublishRawAsync(
        string destination,
        byte[] body,
        string contentType,
        IReadOnlyDictionary<string, object?>? headers = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        string exchange;
        string routingKey;
        if (await ExistsAsync($"api/exchanges/{EscapedName}/{Uri.EscapeDataString(destination)}", cancellationToken).ConfigureAwait(false))
        {
            (exchange, routingKey) = (destination, "");
        }
        else if (await ExistsAsync($"api/queues/{EscapedName}/{Uri.EscapeDataString(destination)}", cancellationToken).ConfigureAwait(false))
        {
            (exchange, routingKey) = ("", destination);
        }
        else
        {
            throw new InvalidOperationException($"Virtual host {Name} has no exchange or queue named '{destination}'.");
        }

        var properties = new BasicProperties
        {
            ContentType = contentType,
            Persistent = true,
            Headers = headers?.ToDictionary(header => header.Key, header => header.Value),
        };
        await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PublishException exception)
        {
            throw new InvalidOperationException(
                exception.IsReturn
                    ? $"The broker returned the message published to '{destination}' in {Name}: no queue is bound to it."
                    : $"The broker refused (nacked) the message published to '{destination}' in {Name}.",
                exception);
        }
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> messages from a queue, oldest first. By default the messages are
    /// put back (requeued) afterwards, so reading an <c>_error</c> queue does not change it.
    /// </summary>
    /// <param name="queue">The queue name, e.g. <c>run-build-task_error</c>.</param>
    /// <param name="max">The most messages to read.</param>
    /// <param name="remove">Acknowledge (remove) the messages read instead of requeueing them.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidOperationException">The queue does not exist.</exception>
    public async Task<IReadOnlyList<RabbitMqMessage>> GetMessagesAsync(
        string queue, int max = 100, bool remove = false, CancellationToken cancellationToken = default)
    {
        var messages = new List<RabbitMqMessage>();
        await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        ulong lastTag = 0;
        try
        {
            while (messages.Count < max)
            {
                var result = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken).ConfigureAwait(false);
                if (result is null)
                {
                    break;
                }

                lastTag = result.DeliveryTag;
                messages.Add(new RabbitMqMessage(
                    result.Body.ToArray(),
                    result.BasicProperties.ContentType,
                    DecodeTable(result.BasicProperties.Headers),
                    result.Exchange,
                    result.RoutingKey,
                    result.Redelivered));
            }
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            throw new InvalidOperationException($"Virtual host {Name} has no queue named '{queue}'.", exception);
        }

        if (lastTag != 0)
        {
            if (remove)
            {
                await channel.BasicAckAsync(lastTag, multiple: true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await channel.BasicNackAsync(lastTag, multiple: true, requeue: true, cancellationToken).ConfigureAwait(false);
            }
        }

        return messages;
    }

    /// <summary>
    /// The number of messages ready in a queue, counted by the broker at this moment (over AMQP, not
    /// from the management API's sampled statistics). Messages delivered but not yet acknowledged are
    /// not counted.
    /// </summary>
    /// <param name="queue">The queue name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="InvalidOperationException">The queue does not exist.</exception>
    public async Task<uint> QueueDepthAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            return declared.MessageCount;
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            throw new InvalidOperationException($"Virtual host {Name} has no queue named '{queue}'.", exception);
        }
    }

    /// <summary>The exchanges and queues an exchange routes to (its bindings as source), from the management API.</summary>
    /// <param name="exchange">The exchange name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<IReadOnlyList<string>> DestinationsOfAsync(string exchange, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => NewRequest(HttpMethod.Get, $"api/exchanges/{EscapedName}/{Uri.EscapeDataString(exchange)}/bindings/source"), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(
                await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
                cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return document.RootElement.EnumerateArray().Select(binding => binding.GetProperty("destination").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The queues of this virtual host with their message counts, from the management API; the counts
    /// lag the broker by up to the statistics interval (500 ms on the test broker).
    /// </summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<IReadOnlyList<RabbitMqQueue>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => NewRequest(HttpMethod.Get, $"api/queues/{EscapedName}?columns=name,messages_ready,messages_unacknowledged,consumers"), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(
                await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
                cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return document.RootElement.EnumerateArray()
            .Select(queue => new RabbitMqQueue(
                queue.GetProperty("name").GetString()!,
                Number(queue, "messages_ready"),
                Number(queue, "messages_unacknowledged"),
                Number(queue, "consumers")))
            .OrderBy(queue => queue.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Deletes the virtual host and everything in it; connections to it are closed by the broker.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var response = await SendAsync(() => NewRequest(HttpMethod.Delete, $"api/vhosts/{EscapedName}"), CancellationToken.None).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // A connect refused at the socket level is tried again (RefusedConnect); others fail at once.
    private Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = Url, ClientProvidedName = "mflow-tests" };
        return RefusedConnect.RetryAsync(() => factory.CreateConnectionAsync(cancellationToken), cancellationToken);
    }

    // Management API requests: a connect refused at the socket level is sent again as a new request.
    private Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> newRequest, CancellationToken cancellationToken) =>
        RefusedConnect.RetryAsync(() => _http.SendAsync(newRequest(), cancellationToken), cancellationToken);

    private HttpRequestMessage NewRequest(HttpMethod method, string relativeUrl)
    {
        var request = new HttpRequestMessage(method, new Uri(_managementUrl, relativeUrl));
        request.Headers.Authorization = _authorization;
        return request;
    }

    private async Task SendAsync(HttpMethod method, string relativeUrl, object body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () =>
            {
                var request = NewRequest(method, relativeUrl);
                request.Content = JsonContent.Create(body);
                return request;
            },
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ExistsAsync(string relativeUrl, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => NewRequest(HttpMethod.Get, relativeUrl), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException(
                $"RabbitMQ management API: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}",
                inner: null,
                response.StatusCode);
        }
    }

    private static long Number(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static Dictionary<string, object?> DecodeTable(IDictionary<string, object?>? table) =>
        table is null
            ? []
            : table.ToDictionary(entry => entry.Key, entry => Decode(entry.Value), StringComparer.Ordinal);

    // AMQP long strings arrive as byte[]; tables and arrays nest.
    private static object? Decode(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IDictionary<string, object?> table => DecodeTable(table),
        IList<object?> list => list.Select(Decode).ToList(),
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime),
        _ => value,
    };
}
