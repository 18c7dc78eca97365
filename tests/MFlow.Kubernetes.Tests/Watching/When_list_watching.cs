using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using MFlow.Kubernetes.Tests.Support;
using MFlow.Kubernetes.Watching;
using MFlow.Testing;

namespace MFlow.Kubernetes.Tests.Watching;

public sealed class When_list_watching
{
    private readonly VirtualTimeProvider _clock = new();
    private readonly Queue<Func<(string?, IList<V1Job>)>> _lists = new();
    private readonly Queue<Func<CancellationToken, IAsyncEnumerable<(WatchEventType, V1Job)>>> _watches = new();
    private readonly List<string> _watchedFrom = [];
    private int _listCalls;

    private static V1Job Job(string name, string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = resourceVersion } };

    private static (WatchEventType, V1Job) Event(WatchEventType type, string name, string resourceVersion) => (type, Job(name, resourceVersion));

    private void ListReturns(string resourceVersion, params V1Job[] items) => _lists.Enqueue(() => (resourceVersion, items));

    private void ListThrows(Exception exception) => _lists.Enqueue(() => throw exception);

    /// <summary>A watch that yields <paramref name="events"/>, then throws <paramref name="then"/>, ends, or (by default) stays open.</summary>
    private void WatchYields(IEnumerable<(WatchEventType, V1Job)> events, Exception? then = null, bool end = false) =>
        _watches.Enqueue(cancellationToken => Script(events, then, end, cancellationToken));

    private static async IAsyncEnumerable<(WatchEventType, V1Job)> Script(
        IEnumerable<(WatchEventType, V1Job)> events,
        Exception? then,
        bool end,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var watchEvent in events)
        {
            await Task.Yield();
            yield return watchEvent;
        }

        if (then is not null)
        {
            throw then;
        }

        if (!end)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private ListWatcher<V1Job> Watcher(TimeProvider? clock = null, TimeSpan? initialBackoff = null) => new(
        _ =>
        {
            Interlocked.Increment(ref _listCalls);
            return Task.FromResult(_lists.Dequeue()());
        },
        (resourceVersion, cancellationToken) =>
        {
            lock (_watchedFrom)
            {
                _watchedFrom.Add(resourceVersion);
            }

            return _watches.TryDequeue(out var next) ? next(cancellationToken) : Script([], null, end: false, cancellationToken);
        },
        new ListWatcherOptions
        {
            TimeProvider = clock ?? _clock,
            InitialBackoff = initialBackoff ?? TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(8),
        });

    private static async Task<List<ListWatchEvent<V1Job>>> Take(ListWatcher<V1Job> watcher, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<ListWatchEvent<V1Job>>();
        await foreach (var watchEvent in watcher.RunAsync(cts.Token))
        {
            events.Add(watchEvent);
            if (events.Count == count)
            {
                break;
            }
        }

        return events;
    }

    private static string Describe(ListWatchEvent<V1Job> e) =>
        e.Type == ListWatchEventType.Synced
            ? $"Synced[{string.Join(",", e.Items.Select(i => i.Metadata.Name))}]"
            : $"{e.Type} {e.Object!.Metadata.Name}@{e.Object.Metadata.ResourceVersion}";

    [Fact]
    public async Task Should_deliver_a_snapshot_then_the_changes_after_the_lists_version()
    {
        ListReturns("10", Job("a", "9"));
        WatchYields([Event(WatchEventType.Added, "b", "11"), Event(WatchEventType.Modified, "a", "12"), Event(WatchEventType.Deleted, "b", "13")]);

        var events = await Take(Watcher(), 4);

        Assert.Equal(["Synced[a]", "Added b@11", "Modified a@12", "Deleted b@13"], events.Select(Describe));
        Assert.Equal(["10"], _watchedFrom);
    }

    [Fact]
    public async Task Should_resume_from_the_last_version_seen_bookmarks_included_after_a_dropped_connection()
    {
        ListReturns("10", Job("a", "9"));
        WatchYields([Event(WatchEventType.Modified, "a", "11"), Event(WatchEventType.Bookmark, "", "15")], then: new IOException("connection reset"));
        WatchYields([Event(WatchEventType.Modified, "a", "16")]);

        var events = await Take(Watcher(), 3);

        Assert.Equal(["Synced[a]", "Modified a@11", "Modified a@16"], events.Select(Describe));
        Assert.Equal(["10", "15"], _watchedFrom);
        Assert.Equal(1, _listCalls);
        Assert.InRange(Assert.Single(_clock.Delays), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Should_list_again_and_deliver_a_new_snapshot_after_410_Gone()
    {
        ListReturns("10", Job("a", "9"), Job("b", "9"));
        WatchYields([], then: new KubernetesException(new V1Status { Code = 410, Reason = "Expired", Message = "too old resource version" }));
        ListReturns("20", Job("a", "18"), Job("c", "19"));
        WatchYields([Event(WatchEventType.Modified, "c", "21")]);

        var events = await Take(Watcher(), 3);

        Assert.Equal(["Synced[a,b]", "Synced[a,c]", "Modified c@21"], events.Select(Describe));
        Assert.Equal(["10", "20"], _watchedFrom);
        Assert.Empty(_clock.Delays);
    }

    [Fact]
    public async Task Should_renew_at_once_a_watch_the_server_ended_normally()
    {
        ListReturns("10");
        WatchYields([Event(WatchEventType.Added, "a", "11")], end: true);
        WatchYields([Event(WatchEventType.Modified, "a", "12")]);

        var events = await Take(Watcher(), 3);

        Assert.Equal(["Synced[]", "Added a@11", "Modified a@12"], events.Select(Describe));
        Assert.Equal(["10", "11"], _watchedFrom);
        Assert.Empty(_clock.Delays);
    }

    [Fact]
    public async Task Should_back_off_exponentially_up_to_the_cap_while_failures_continue()
    {
        ListThrows(new HttpRequestException("refused"));
        ListReturns("10");
        for (var i = 0; i < 5; i++)
        {
            WatchYields([], then: new KubernetesException(new V1Status { Code = 500, Reason = "InternalError", Message = "internal" }));
        }

        WatchYields([Event(WatchEventType.Added, "a", "11")]);

        var events = await Take(Watcher(), 2);

        Assert.Equal(["Synced[]", "Added a@11"], events.Select(Describe));
        Assert.Equal(2, _listCalls);
        double[] bases = [1, 2, 4, 8, 8, 8];
        Assert.Equal(bases.Length, _clock.Delays.Count);
        for (var i = 0; i < bases.Length; i++)
        {
            Assert.InRange(_clock.Delays[i].TotalSeconds, bases[i] / 2, bases[i]);
        }
    }

    [Fact]
    public async Task Should_stop_when_cancelled_while_watching_or_waiting()
    {
        ListReturns("10");
        ListThrows(new HttpRequestException("refused"));
        ListThrows(new HttpRequestException("refused"));

        using var watching = new CancellationTokenSource();
        var first = Watcher().RunAsync(watching.Token).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        var blocked = first.MoveNextAsync().AsTask();
        await Eventually.UntilAsync(() => Task.FromResult(_watchedFrom.Count == 1), TimeSpan.FromSeconds(10), "the first watch started");
        watching.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(5)));

        using var waiting = new CancellationTokenSource();
        var second = Watcher(TimeProvider.System, initialBackoff: TimeSpan.FromMinutes(10)).RunAsync(waiting.Token).GetAsyncEnumerator();
        var backingOff = second.MoveNextAsync().AsTask();
        await Eventually.UntilAsync(() => Task.FromResult(_listCalls == 2), TimeSpan.FromSeconds(10), "the watcher listed again");
        waiting.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backingOff.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
