using System.IO.Pipelines;
using System.Net;
using System.Text;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;
using MFlow.Kubernetes.Tests.Support;
using MFlow.Testing;

namespace MFlow.Kubernetes.Tests.Watching;

public sealed class When_reading_a_watch_stream
{
    private readonly Pipe _pipe = new();
    private readonly StubHandler _stub;

    public When_reading_a_watch_stream()
    {
        _stub = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(_pipe.Reader.AsStream()) });
    }

    private static string Event(string type, string name, string resourceVersion, string extra = "") =>
        "{\"type\":\"" + type + "\",\"object\":{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"" + name
        + "\",\"resourceVersion\":\"" + resourceVersion + "\"" + extra + "}}}" + "\n";

    private async Task WriteAsync(string text, int chunkSize = int.MaxValue)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            await _pipe.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(chunkSize, bytes.Length - offset)));
        }
    }

    [Fact]
    public async Task Should_ask_for_a_watch_from_the_given_version_with_bookmarks()
    {
        using var client = TestClients.Create(_stub);
        await _pipe.Writer.CompleteAsync();

        await foreach (var _ in client.WatchJobsAsync("ns", new WatchOptions { ResourceVersion = "41", LabelSelector = "a=b", Timeout = TimeSpan.FromMinutes(5) }))
        {
        }

        Assert.Equal(
            "/apis/batch/v1/namespaces/ns/jobs?watch=true&resourceVersion=41&allowWatchBookmarks=true&timeoutSeconds=300&labelSelector=a%3Db",
            Assert.Single(_stub.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Should_parse_events_whose_lines_are_split_across_chunks()
    {
        using var client = TestClients.Create(_stub);

        // 7-byte chunks split lines and the two-byte 'é' alike.
        await WriteAsync(
            Event("ADDED", "a", "1", ",\"annotations\":{\"note\":\"café\"}") + "\n" + Event("MODIFIED", "a", "2") + Event("BOOKMARK", "", "3") + Event("DELETED", "a", "4"),
            chunkSize: 7);
        await _pipe.Writer.CompleteAsync();

        var events = new List<WatchEvent<Job>>();
        await foreach (var watchEvent in client.WatchJobsAsync("ns"))
        {
            events.Add(watchEvent);
        }

        Assert.Equal(
            [(WatchEventType.Added, "1"), (WatchEventType.Modified, "2"), (WatchEventType.Bookmark, "3"), (WatchEventType.Deleted, "4")],
            events.Select(e => (e.Type, e.Object.Metadata.ResourceVersion!)));
        Assert.Equal("café", events[0].Object.Metadata.Annotations!["note"]);
    }

    [Fact]
    public async Task Should_deliver_each_event_as_soon_as_its_line_is_complete()
    {
        using var client = TestClients.Create(_stub);
        await using var events = client.WatchJobsAsync("ns").GetAsyncEnumerator();

        await WriteAsync(Event("ADDED", "a", "1"));
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("a", events.Current.Object.Metadata.Name);

        var next = events.MoveNextAsync().AsTask();
        await WriteAsync(Event("MODIFIED", "a", "2")[..20]);
        Assert.False(next.IsCompleted);
        await WriteAsync(Event("MODIFIED", "a", "2")[20..]);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("2", events.Current.Object.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Should_throw_GoneException_for_an_ERROR_event_with_code_410()
    {
        using var client = TestClients.Create(_stub);
        await WriteAsync(Event("ADDED", "a", "1"));
        await WriteAsync("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}""" + "\n");

        var seen = new List<string>();
        var ex = await Assert.ThrowsAsync<GoneException>(async () =>
        {
            await foreach (var watchEvent in client.WatchJobsAsync("ns"))
            {
                seen.Add(watchEvent.Object.Metadata.Name!);
            }
        });

        Assert.Equal(["a"], seen);
        Assert.Equal(HttpStatusCode.Gone, ex.StatusCode);
        Assert.Contains("too old resource version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_throw_the_matching_exception_for_other_ERROR_events()
    {
        using var client = TestClients.Create(_stub);
        await WriteAsync("""{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"internal","reason":"InternalError","code":500}}""" + "\n");

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(async () =>
        {
            await foreach (var _ in client.WatchJobsAsync("ns"))
            {
            }
        });

        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
    }

    [Fact]
    public async Task Should_throw_GoneException_when_the_watch_request_itself_is_answered_410()
    {
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.Gone, "Expired", "too old"));
        using var client = TestClients.Create(stub);

        await Assert.ThrowsAsync<GoneException>(async () =>
        {
            await foreach (var _ in client.WatchJobsAsync("ns", new WatchOptions { ResourceVersion = "1" }))
            {
            }
        });
    }

    [Fact]
    public async Task Should_skip_blank_lines_and_unknown_event_types()
    {
        using var client = TestClients.Create(_stub);
        await WriteAsync("\n\n" + Event("FUTURE", "x", "1") + Event("ADDED", "a", "2"));
        await _pipe.Writer.CompleteAsync();

        var names = new List<string>();
        await foreach (var watchEvent in client.WatchJobsAsync("ns"))
        {
            names.Add(watchEvent.Object.Metadata.Name!);
        }

        Assert.Equal(["a"], names);
    }

    [Fact]
    public async Task Should_report_malformed_json_without_echoing_it()
    {
        using var client = TestClients.Create(_stub);
        await WriteAsync("{\"type\":\"ADDED\",\"object\":{\"data\":\"c2VjcmV0\"\n");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var _ in client.WatchJobsAsync("ns"))
            {
            }
        });

        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_stop_promptly_when_cancelled_while_waiting_for_data()
    {
        using var client = TestClients.Create(_stub);
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchJobsAsync("ns", cancellationToken: cts.Token).GetAsyncEnumerator();

        var next = events.MoveNextAsync().AsTask();
        await Eventually.UntilAsync(() => Task.FromResult(_stub.Requests.Count == 1), TimeSpan.FromSeconds(10), "the watch request was sent");
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
