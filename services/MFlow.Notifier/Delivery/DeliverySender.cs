using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using MFlow.Notifications;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace MFlow.Notifier.Delivery;

/// <summary>
/// Makes one try of a delivery: one POST with its own time-out, through a connection that is only
/// opened to an address the SSRF guard allows (checked on the address connected to, so a name that
/// resolved to a public address when the subscription was saved and to a private one now is refused).
/// </summary>
public sealed class DeliverySender : IDisposable
{
    // Enough of a refusal to show in the delivery log; a receiver's page of HTML is not kept.
    const int MaxResponseBytes = 4096;

    readonly HttpClient _client;
    readonly NotificationOptions _options;

    /// <summary>Creates the sender and its connection pool.</summary>
    public DeliverySender(IOptions<NotificationOptions> options)
    {
        _options = options.Value;
        var handler = new SocketsHttpHandler
        {
            // A redirect could lead anywhere, a private address included: a 3xx counts as a failed try.
            AllowAutoRedirect = false,
            // Through a proxy the guard would check the proxy's address, not the receiver's.
            UseProxy = false,
            ConnectTimeout = _options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("MFlow-Notifier/1.0");
    }

    /// <summary>Sends <paramref name="request"/> for <paramref name="target"/>; never throws for the receiver's failures, only for <paramref name="cancellationToken"/>.</summary>
    public async Task<AttemptResult> SendAsync(string target, OutgoingRequest request, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ByteArrayContent(request.Body) };
            // The URL holds a chat bot's token (or a receiver's): traces show only its host.
            message.MarkSecret();
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            foreach (var (name, value) in request.Headers)
                message.Headers.TryAddWithoutValidation(name, value);
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadBoundedAsync(response.Content, timeout.Token);
            var code = (int)response.StatusCode;
            var refusal = code is >= 200 and < 300 ? PlatformError(target, body) : $"HTTP {code}{Excerpt(body)}";
            return new AttemptResult(refusal is null, at, code, refusal, clock.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(false, at, null, $"No answer within {_options.RequestTimeout.TotalSeconds:0.###} s (MFlow:Notifications:RequestTimeout).", clock.Elapsed);
        }
        catch (HttpRequestException ex)
        {
            // The guard's refusal, a refused connection, a name that does not resolve, a TLS failure.
            return new AttemptResult(false, at, null, Describe(ex), clock.Elapsed);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        foreach (var address in addresses)
        {
            if (NetworkGuard.WhyAlwaysRefused(address) is { } always)
                throw new HttpRequestException($"Refused: '{host}' resolves to {address}, {always}.");
            if (!_options.AllowPrivateNetworks && NetworkGuard.WhyRefused(address) is { } why)
                throw new HttpRequestException($"Refused: '{host}' resolves to {address}, {why} (MFlow:Notifications:AllowPrivateNetworks is false).");
        }

        // Connect to exactly the addresses checked, never resolving the name again.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Chat platforms answer 200 to a request they refuse, with an error code in the body.
    static string? PlatformError(string target, string body)
    {
        if (target is NotificationTargets.Webhook or NotificationTargets.Slack)
            return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            foreach (var field in new[] { "code", "StatusCode", "errcode" })
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(field, out var code) && code.ValueKind == JsonValueKind.Number && code.GetInt64() != 0)
                    return $"The platform refused it: {field} {code.GetInt64()}{Excerpt(body)}";
            }
        }
        catch (JsonException)
        {
            // Not JSON: the 2xx stands.
        }

        return null;
    }

    static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
            read += n;
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    static string Excerpt(string body)
    {
        var text = new string(body.Take(300).Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return text.Length == 0 ? "" : $": {text}";
    }

    static string Describe(HttpRequestException ex)
    {
        var inner = ex.InnerException is { } cause && cause.Message != ex.Message ? $" ({cause.Message})" : "";
        return ex.Message + inner;
    }
}
