using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;

namespace MFlow.Cli.Api;

/// <summary>
/// A run's events (GET /api/v1/runs/{id}/events, Server-Sent Events) read as they come. A dropped
/// connection is reopened with <c>Last-Event-ID</c>, so the server sends every later change once and
/// nothing is missed; events already seen are skipped should one come again.
/// </summary>
public sealed class RunEventStream(ApiClient client, Guid runId, TextWriter notices)
{
    /// <summary>
    /// Consecutive failed reconnections before giving up (about 40 s with the backoff; longer while no
    /// connection can be made, as each check of the run then tries for up to 7 s).
    /// </summary>
    const int MaxReconnects = 10;

    static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The id of the last event received.</summary>
    public long? LastEventId { get; private set; }

    /// <summary>
    /// Hands each event to <paramref name="onEvent"/> (its type and data) until it returns true (the
    /// run ended). When the stream ends without that, <paramref name="endedMeanwhile"/> is asked whether
    /// the run ended anyway (true: stop); otherwise the stream is reopened after the last event.
    /// </summary>
    /// <exception cref="ApiException">The API refused the stream (no such run, no access).</exception>
    /// <exception cref="CliException">The server stayed unreachable.</exception>
    public async Task FollowAsync(Func<string, JsonNode, bool> onEvent, Func<CancellationToken, Task<bool>> endedMeanwhile, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            string? dropped;
            try
            {
                var headers = LastEventId is { } last ? new[] { KeyValuePair.Create("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture)) } : [];
                using var response = await client.OpenStreamAsync($"api/v1/runs/{runId}/events", "text/event-stream", headers, cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
                {
                    failures = 0;
                    long? id = long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                    if (id is not null && LastEventId is not null && id <= LastEventId)
                        continue;
                    LastEventId = id ?? LastEventId;
                    if (JsonNode.Parse(item.Data) is { } data && onEvent(item.EventType, data))
                        return;
                }

                dropped = "the server ended the stream before the run ended";
            }
            catch (ApiException ex) when (ex.Status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
            {
                dropped = ex.Title;
            }
            catch (ApiException)
            {
                throw;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or CliException && !cancellationToken.IsCancellationRequested)
            {
                dropped = ex.Message;
            }

            if (await EndedAsync(endedMeanwhile, cancellationToken))
                return;
            if (++failures > MaxReconnects)
                throw new CliException($"Lost the events of run {runId}: {dropped} (gave up after {MaxReconnects} attempts to reconnect).");
            var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, failures - 1)));
            await notices.WriteLineAsync($"mflow: the event stream dropped ({dropped}); reconnecting after event {LastEventId?.ToString(CultureInfo.InvariantCulture) ?? "none"} in {backoff.TotalSeconds:0.##} s.");
            await Task.Delay(backoff, cancellationToken);
        }
    }

    // The run's view may say it ended although its terminal event was never received (the server
    // ended the stream at once because the run ended before the id asked for).
    static async Task<bool> EndedAsync(Func<CancellationToken, Task<bool>> endedMeanwhile, CancellationToken cancellationToken)
    {
        try
        {
            return await endedMeanwhile(cancellationToken);
        }
        catch (Exception ex) when (ex is CliException and not ApiException { Status: HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden })
        {
            return false; // unreachable for now: the reconnection will tell
        }
    }
}
