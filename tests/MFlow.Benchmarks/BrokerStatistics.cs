using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>
/// Message counts of one virtual host from the RabbitMQ management API: the vhost's publish and
/// deliver totals, publishes per exchange (MassTransit publishes each message type to an exchange
/// named after it), and queue depths. The broker samples these every 500 ms on the test node.
/// </summary>
public sealed class BrokerStatistics : IDisposable
{
    static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(700);

    readonly HttpClient _http;
    readonly string _virtualHost;

    /// <summary>Reads the statistics of <paramref name="virtualHost"/> on the test broker.</summary>
    public BrokerStatistics(string virtualHost)
    {
        _virtualHost = Uri.EscapeDataString(virtualHost);
        var broker = BenchmarkServers.RabbitMq;
        _http = new HttpClient { BaseAddress = broker.ManagementUrl, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(broker.AmqpUrl.UserInfo))));
    }

    /// <summary>The counters now.</summary>
    public async Task<BrokerCounters> ReadAsync()
    {
        using var vhost = await GetAsync($"api/vhosts/{_virtualHost}");
        var stats = vhost.RootElement.TryGetProperty("message_stats", out var s) ? s : default;
        using var exchanges = await GetAsync($"api/exchanges/{_virtualHost}?columns=name,message_stats.publish_in");
        var byExchange = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var exchange in exchanges.RootElement.EnumerateArray())
        {
            var name = exchange.GetProperty("name").GetString() ?? "";
            if (exchange.TryGetProperty("message_stats", out var es) && Number(es, "publish_in") is var published and > 0)
                byExchange[name] = published;
        }

        return new BrokerCounters(Number(stats, "publish"), Number(stats, "deliver_get"), byExchange);
    }

    /// <summary>
    /// Waits until no MFlow queue holds a message (ready or unacknowledged) and the vhost's publish
    /// count has stopped moving, i.e. until the work a level caused has drained; returns the counters then.
    /// </summary>
    public async Task<BrokerCounters> ReadWhenSettledAsync(TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var previous = await ReadAsync();
        while (true)
        {
            await Task.Delay(SampleInterval);
            var current = await ReadAsync();
            if ((current.Published == previous.Published && await QueuesEmptyAsync()) || DateTimeOffset.UtcNow > deadline)
                return current;
            previous = current;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    async Task<bool> QueuesEmptyAsync()
    {
        using var queues = await GetAsync($"api/queues/{_virtualHost}?columns=name,messages_ready,messages_unacknowledged");
        return queues.RootElement.EnumerateArray().All(queue =>
            (queue.GetProperty("name").GetString() ?? "").EndsWith("_error", StringComparison.Ordinal)
            || Number(queue, "messages_ready") + Number(queue, "messages_unacknowledged") == 0);
    }

    async Task<JsonDocument> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
    }

    static long Number(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64()
            : 0;
}

/// <summary>A virtual host's cumulative message counts.</summary>
/// <param name="Published">Messages published into the vhost.</param>
/// <param name="Delivered">Messages delivered to consumers (deliver + get).</param>
/// <param name="PublishedByExchange">Messages published into each exchange.</param>
public sealed record BrokerCounters(long Published, long Delivered, IReadOnlyDictionary<string, long> PublishedByExchange)
{
    /// <summary>What happened between <paramref name="before"/> and this.</summary>
    public BrokerCounters Since(BrokerCounters before) => new(
        Published - before.Published,
        Delivered - before.Delivered,
        PublishedByExchange
            .Select(e => (e.Key, Count: e.Value - before.PublishedByExchange.GetValueOrDefault(e.Key)))
            .Where(e => e.Count > 0)
            .ToDictionary(e => e.Key, e => e.Count, StringComparer.Ordinal));
}
