using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Support;

/// <summary>A request a receiver got: what a real webhook endpoint would see.</summary>
public sealed record ReceivedRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset ReceivedAt)
{
    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// An HTTP endpoint in the test (Kestrel on 127.0.0.1, a free port) that records every request and
/// answers as the test says: per path, given the request and how many that path received (1 for the first).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedRequest> _received = [];

    private WebhookReceiver(Func<ReceivedRequest, int, CancellationToken, Task<(int Status, string Body)>> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var request = new ReceivedRequest(
                context.Request.Path, context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body, DateTimeOffset.UtcNow);
            int number;
            lock (_received)
            {
                _received.Add(request);
                number = _received.Count(r => r.Path == request.Path);
            }

            var (status, answer) = await respond(request, number, context.RequestAborted);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer, context.RequestAborted);
        });
    }

    /// <summary>The receiver's base address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts a receiver that answers with <paramref name="respond"/> (default: 200 and "ok").</summary>
    public static async Task<WebhookReceiver> StartAsync(Func<ReceivedRequest, int, CancellationToken, Task<(int Status, string Body)>>? respond = null)
    {
        var receiver = new WebhookReceiver(respond ?? ((_, _, _) => Task.FromResult((200, "ok"))));
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    /// <summary>An address on this receiver.</summary>
    public string Url(string path) => new Uri(BaseAddress, path.TrimStart('/')).ToString();

    /// <summary>The requests a path received so far.</summary>
    public IReadOnlyList<ReceivedRequest> Received(string path)
    {
        lock (_received)
        {
            return _received.Where(r => r.Path == path).ToList();
        }
    }

    /// <summary>Waits until a path received at least <paramref name="count"/> requests, and returns them.</summary>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(string path, int count, TimeSpan timeout) =>
        Eventually.UntilAsync(() => Task.FromResult(Received(path)), received => received.Count >= count, timeout, $"{path} received {count} request(s)");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
