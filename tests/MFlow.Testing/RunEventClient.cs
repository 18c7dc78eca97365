using System.Net.ServerSentEvents;
using System.Text.Json;
using Xunit;

namespace MFlow.Testing;

/// <summary>An event of GET /api/v1/runs/{id}/events as a client parsed it.</summary>
/// <param name="Id">The event's id.</param>
/// <param name="Type">snapshot, task, stage or run.</param>
/// <param name="Data">The event's data.</param>
public sealed record ReceivedRunEvent(long Id, string Type, JsonElement Data)
{
    /// <summary>A property of the data, as text.</summary>
    public string? Text(string property) => Data.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString();

    /// <inheritdoc />
    public override string ToString() => $"{Id} {Type} {Data.GetRawText()}";
}

/// <summary>Reads a run's event stream with .NET's own SSE parser, so the stream is checked against an independent reading of the format.</summary>
public sealed class RunEventClient : IAsyncDisposable
{
    readonly HttpResponseMessage _response;
    readonly IAsyncEnumerator<SseItem<string>> _items;

    RunEventClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _items = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
    }

    /// <summary>The events received so far.</summary>
    public List<ReceivedRunEvent> Received { get; } = [];

    /// <summary>True once the server ended the stream.</summary>
    public bool Ended { get; private set; }

    /// <summary>Opens the stream (with Last-Event-ID when given); fails unless it answers 200 text/event-stream.</summary>
    public static async Task<RunEventClient> OpenAsync(HttpClient client, Guid runId, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/runs/{runId}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } last)
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // The body is read only when it is a problem: a stream's never ends.
        if (!response.IsSuccessStatusCode)
            Assert.Fail($"GET events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new RunEventClient(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Reads events until <paramref name="until"/> accepts one (returned) or the stream ends (null).</summary>
    public async Task<ReceivedRunEvent?> ReadUntilAsync(Func<ReceivedRunEvent, bool> until, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var next = _items.MoveNextAsync().AsTask();
            if (await Task.WhenAny(next, Task.Delay(Timeout.Infinite, deadline.Token)) != next)
                throw new TimeoutException($"No matching event within {timeout}; received:\n{string.Join('\n', Received)}");
            if (!await next)
            {
                Ended = true;
                return null;
            }

            var item = _items.Current;
            var received = new ReceivedRunEvent(long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture), item.EventType, JsonDocument.Parse(item.Data).RootElement.Clone());
            Received.Add(received);
            if (until(received))
                return received;
        }
    }

    /// <summary>Reads until the server ends the stream; fails if it does not within <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedRunEvent>> ReadToEndAsync(TimeSpan timeout)
    {
        await ReadUntilAsync(_ => false, timeout);
        return Received;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Dropping the response mid-stream is how a client disconnects.
        _response.Dispose();
        try
        {
            await _items.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or HttpRequestException)
        {
        }
    }
}
