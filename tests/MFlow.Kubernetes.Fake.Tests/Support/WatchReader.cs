using System.Net;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Tests.Support;

/// <summary>Reads a watch response line by line, each line one event.</summary>
internal sealed class WatchReader(HttpResponseMessage response, Stream body) : IAsyncDisposable
{
    private readonly StreamReader _reader = new(body);

    public HttpStatusCode Status => response.StatusCode;

    public string? ContentType => response.Content.Headers.ContentType?.MediaType;

    /// <summary>The next event, or null when the server ended the stream cleanly.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        string? line;
        try
        {
            line = await _reader.ReadLineAsync(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException("No watch event arrived in time.");
        }

        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>The next event that is not a BOOKMARK.</summary>
    public async Task<JsonObject> NextChangeAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await NextAsync(timeout) ?? throw new InvalidOperationException("The watch ended.");
            if (e["type"]!.GetValue<string>() != "BOOKMARK")
            {
                return e;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }
}

/// <summary>Shorthands over watch events.</summary>
internal static class WatchEvents
{
    public static string Type(this JsonObject e) => e["type"]!.GetValue<string>();

    public static string ObjectName(this JsonObject e) => e["object"]!["metadata"]!["name"]!.GetValue<string>();
}
