using System.Net;
using MFlow.Cli.Tests.Support;
using MFlow.Testing;

namespace MFlow.Cli.Tests;

/// <summary>
/// While the API restarts (a rolling update), a connection to it is refused. Nothing was sent, so the
/// CLI tries any request again, a POST without an idempotency key too, after 1, 2 and 4 s, and says
/// so on standard error; after that it reports that it cannot reach the server.
/// </summary>
public sealed class When_the_server_cannot_be_reached
{
    static readonly Guid RunId = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    [Fact]
    public async Task Should_send_a_cancel_once_the_server_listens_again()
    {
        var port = FreePort.NextBelowEphemeralRange();
        using var mflow = Cli(port);
        using var listener = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
        var requests = new List<string>();
        Task? serving = null;

        // The server comes up when the CLI says it will try again, not before: the first try is refused.
        var result = await mflow.RunAsync(["run", "cancel", RunId.ToString()], line =>
        {
            if (serving is null && line.Contains("trying again", StringComparison.Ordinal))
            {
                listener.Start();
                serving = AnswerOneAsync(listener, requests);
            }
        });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.NotNull(serving);
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([$"POST /api/v1/runs/{RunId}/cancel"], requests);
        Assert.StartsWith($"Cannot reach http://127.0.0.1:{port}/ (Connection refused", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("); trying again in 1 s.", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("stand-in-key", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_give_up_after_four_tries_and_say_it_cannot_reach_the_server()
    {
        var port = FreePort.NextBelowEphemeralRange();
        using var mflow = Cli(port);

        var result = await mflow.RunAsync("run", "list");

        Assert.True(result.ExitCode == 2, result.ToString());
        var waits = result.Stderr.Split('\n')
            .Where(l => l.StartsWith($"Cannot reach http://127.0.0.1:{port}/ (Connection refused", StringComparison.Ordinal) && l.Contains("trying again", StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf("trying again", StringComparison.Ordinal))..])
            .ToList();
        Assert.Equal(["trying again in 1 s.", "trying again in 2 s.", "trying again in 4 s."], waits);
        Assert.Contains($"Error: Cannot reach http://127.0.0.1:{port}/ (environment): Connection refused", result.Stderr, StringComparison.Ordinal);
    }

    static Mflow Cli(int port) => new() { Environment = { ["MFLOW_SERVER"] = $"http://127.0.0.1:{port}", ["MFLOW_KEY"] = "stand-in-key" } };

    static async Task AnswerOneAsync(HttpListener listener, List<string> requests)
    {
        var context = await listener.GetContextAsync();
        lock (requests)
            requests.Add($"{context.Request.HttpMethod} {context.Request.Url!.PathAndQuery}");
        context.Response.StatusCode = 202;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync("""{"state":"Cancelling"}"""u8.ToArray());
        context.Response.Close();
    }
}
