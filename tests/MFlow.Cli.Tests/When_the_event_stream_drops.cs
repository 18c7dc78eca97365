using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MFlow.Cli.Tests.Support;
using MFlow.Testing;

namespace MFlow.Cli.Tests;

/// <summary>
/// <c>mflow run watch</c> whose event stream is cut mid-run: it reconnects with Last-Event-ID and
/// shows every later change once. The server here is a scripted stand-in, so that the cut comes
/// exactly between two events.
/// </summary>
public sealed class When_the_event_stream_drops : StandInServer
{
    static readonly Guid RunId = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    readonly List<string?> _lastEventIds = [];
    volatile bool _ended;

    [Fact]
    public async Task Should_reconnect_after_the_last_event_and_show_every_change_once()
    {
        using var mflow = NewCli();

        var result = await mflow.RunAsync("run", "watch", RunId.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        lock (_lastEventIds)
            Assert.Equal([null, "2"], _lastEventIds);
        Assert.Contains("the event stream dropped", result.Stderr);
        Assert.Contains("reconnecting after event 2", result.Stderr);
        var changes = result.Lines.Where(l => l.StartsWith('[')).Select(l => Regex.Replace(l, @"^\[\s*\d+\.\ds\] ", "")).ToList();
        Assert.Equal(
            [$"watching run {RunId} (stand-in): Running", "build/compile Running", "build/compile Succeeded in 2.0s", "stage build succeeded", "run Succeeded"],
            changes);
        Assert.Contains($"Run {RunId} (stand-in) succeeded", result.Stdout);
    }

    protected override async Task AnswerAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var response = context.Response;
        if (path == $"/api/v1/runs/{RunId}")
        {
            // The run's view says Running until its terminal event was sent: the watcher, asking
            // whether the run ended while its stream was down, must reconnect.
            await WriteAsync(response, "application/json", View(completed: _ended));
            response.Close();
            return;
        }

        if (path != $"/api/v1/runs/{RunId}/events")
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }

        var lastEventId = context.Request.Headers["Last-Event-ID"];
        lock (_lastEventIds)
            _lastEventIds.Add(lastEventId);
        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        if (lastEventId is null)
        {
            // The snapshot and one change, then the connection is cut.
            await WriteAsync(response, null, $"id: 1\nevent: snapshot\ndata: {View(completed: false)}\n\n");
            await WriteAsync(response, null, $": keepalive\n\nid: 2\nevent: task\ndata: {{\"runId\":\"{RunId}\",\"stage\":\"build\",\"task\":\"compile\",\"attempt\":1,\"state\":\"Running\",\"startedAt\":\"2026-01-01T00:00:00Z\"}}\n\n");
            await Task.Delay(100);
            response.Abort();
            return;
        }

        // Event 2 again (a server may resend what the client has), then the rest.
        await WriteAsync(response, null, $"id: 2\nevent: task\ndata: {{\"runId\":\"{RunId}\",\"stage\":\"build\",\"task\":\"compile\",\"attempt\":1,\"state\":\"Running\",\"startedAt\":\"2026-01-01T00:00:00Z\"}}\n\n");
        await WriteAsync(response, null, $"id: 3\nevent: task\ndata: {{\"runId\":\"{RunId}\",\"stage\":\"build\",\"task\":\"compile\",\"attempt\":1,\"state\":\"Succeeded\",\"startedAt\":\"2026-01-01T00:00:00Z\",\"finishedAt\":\"2026-01-01T00:00:02Z\"}}\n\n");
        await WriteAsync(response, null, $"id: 4\nevent: stage\ndata: {{\"runId\":\"{RunId}\",\"stage\":\"build\",\"succeeded\":true}}\n\n");
        _ended = true;
        await WriteAsync(response, null, $"id: 5\nevent: run\ndata: {{\"runId\":\"{RunId}\",\"state\":\"Succeeded\",\"at\":\"2026-01-01T00:00:03Z\"}}\n\n");
        response.Close();
    }

    static string View(bool completed) =>
        $$$"""{"id":"{{{RunId}}}","pipeline":"stand-in","mode":"normal","state":"{{{(completed ? "Succeeded" : "Running")}}}","createdAt":"2026-01-01T00:00:00Z","completedAt":{{{(completed ? "\"2026-01-01T00:00:03Z\"" : "null")}}},"stages":[{"index":0,"name":"build","state":"{{{(completed ? "Succeeded" : "Queued")}}}","tasks":[{"name":"compile","kind":"build","state":"{{{(completed ? "Succeeded" : "Queued")}}}","attempt":{{{(completed ? 1 : 0)}}},"outputs":{}}]}]}""";

    static async Task WriteAsync(HttpListenerResponse response, string? contentType, string text)
    {
        if (contentType is not null)
            response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(text);
        await response.OutputStream.WriteAsync(bytes);
        await response.OutputStream.FlushAsync();
    }
}
