using System.Net;
using MFlow.Cli.Tests.Support;
using MFlow.Testing;

namespace MFlow.Cli.Tests;

/// <summary>
/// While the API restarts (a rolling update), a connection to it is refused. The CLI tries a request
/// that is safe to repeat (a read; a run start, with its Idempotency-Key) again after 1, 2 and 4 s, and
/// says so on standard error; after that it reports that it cannot reach the server. A POST without a
/// key (cancel) is reported at once: after a kept-alive connection closed, the HTTP handler may have
/// sent it again itself before the connection that was refused.
/// </summary>
public sealed class When_the_server_cannot_be_reached
{
    static readonly Guid RunId = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    const string Pipeline = "name: hello\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n";

    [Fact]
    public async Task Should_start_the_run_once_the_server_listens_again()
    {
        var port = FreePort.NextBelowEphemeralRange();
        using var mflow = Cli(port);
        using var listener = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
        var requests = new List<string>();
        Task? serving = null;

        // The server comes up when the CLI says it will try again, not before: the first try is refused.
        var result = await mflow.RunFollowingStderrAsync(["run", "start", "-f", "-"], Pipeline, line =>
        {
            if (serving is null && line.Contains("trying again", StringComparison.Ordinal))
            {
                listener.Start();
                serving = AnswerOneAsync(listener, requests);
            }
        });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Run {RunId} started.", result.Lines[0]);
        Assert.NotNull(serving);
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["POST /api/v1/runs with an Idempotency-Key"], requests);
        Assert.StartsWith($"Cannot reach http://127.0.0.1:{port}/ (Connection refused", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("); trying again in 1 s.", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("stand-in-key", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_report_a_cancel_at_once()
    {
        var port = FreePort.NextBelowEphemeralRange();
        using var mflow = Cli(port);

        var result = await mflow.RunAsync("run", "cancel", RunId.ToString());

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"Error: Cannot reach http://127.0.0.1:{port}/ (environment): Connection refused", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("trying again", result.Stderr, StringComparison.Ordinal);
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

    static Mflow Cli(int port) => Mflow.For($"http://127.0.0.1:{port}", "stand-in-key");

    static async Task AnswerOneAsync(HttpListener listener, List<string> requests)
    {
        var context = await listener.GetContextAsync();
        var key = string.IsNullOrEmpty(context.Request.Headers["Idempotency-Key"]) ? "without" : "with";
        lock (requests)
            requests.Add($"{context.Request.HttpMethod} {context.Request.Url!.PathAndQuery} {key} an Idempotency-Key");
        context.Response.StatusCode = 201;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes($$"""{"id":"{{RunId}}","created":true,"location":"/api/v1/runs/{{RunId}}"}"""));
        context.Response.Close();
    }
}
