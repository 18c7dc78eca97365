using k8s.Models;
using MFlow.Kubernetes.Watching;

namespace MFlow.Kubernetes.Tests.Integration;

public sealed class When_list_watching_the_fake_server : FakeServerTest
{
    /// <summary>What a controller would know: the latest state of each Job, from snapshots and changes.</summary>
    private readonly Dictionary<string, V1Job> _known = [];
    private int _snapshots;

    private void Apply(ListWatchEvent<V1Job> e)
    {
        switch (e.Type)
        {
            case ListWatchEventType.Synced:
                _snapshots++;
                _known.Clear();
                foreach (var job in e.Items)
                {
                    _known[job.Metadata.Name] = job;
                }

                break;
            case ListWatchEventType.Deleted:
                _known.Remove(e.Object!.Metadata.Name);
                break;
            default:
                _known[e.Object!.Metadata.Name] = e.Object;
                break;
        }
    }

    /// <summary>Pulls events until <paramref name="condition"/> holds for what is known; the watcher reads nothing while we do not pull.</summary>
    private async Task PullUntil(IAsyncEnumerator<ListWatchEvent<V1Job>> events, Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            var moved = await events.MoveNextAsync().AsTask().WaitAsync(timeout.Token).ContinueWith(
                t => t.IsCompletedSuccessfully ? t.Result : throw new TimeoutException($"Never saw: {what}", t.Exception),
                TaskScheduler.Default);
            Assert.True(moved);
            Apply(events.Current);
        }
    }

    private int Requests(string verb) => Server.Requests.Count(r => r.Verb == verb && r.Resource == "jobs");

    [Fact]
    public async Task Should_not_lose_a_transition_across_a_dropped_watch_and_a_compacted_history()
    {
        await Api.CreateJobAsync(NewJob("build-1"));
        await Server.WaitForControllersAsync();
        var watcher = ListWatcher.ForJobs(Api, Namespace, "mflow.io/run=run-1", new ListWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(50) });
        using var stop = new CancellationTokenSource();
        await using var events = watcher.RunAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        await PullUntil(events, () => _known.ContainsKey("build-1"), "the job in the first snapshot");
        await Api.CreateJobAsync(NewJob("build-2"));
        await PullUntil(events, () => _known.ContainsKey("build-2"), "build-2 added through the watch");

        // The connection drops while the pod starts: the watcher resumes from its last version and
        // the server replays what it missed, without a new list.
        Server.DropWatches();
        await Server.SetPodRunningAsync(Namespace, "build-1");
        await PullUntil(events, () => _known["build-1"].Status?.Ready == 1, "build-1 ready after the drop");
        Assert.Equal(1, _snapshots);
        Assert.Equal(1, Requests("list"));

        // Now the history is compacted while the watch is down and build-2 is deleted meanwhile:
        // resuming gets 410 Gone, so the watcher lists again and the snapshot carries both outcomes.
        Server.DropWatches();
        await Server.CompletePodAsync(Namespace, "build-1", exitCode: 0, log: "ok\n");
        await Api.DeleteJobAsync(Namespace, "build-2");
        await Server.WaitForDeletionAsync("jobs", Namespace, "build-2");
        await Server.WaitForControllersAsync();
        Server.CompactHistory();
        await PullUntil(events, () => _snapshots == 2, "a second snapshot after 410 Gone");

        Assert.Equal(1, _known["build-1"].Status?.Succeeded);
        Assert.False(_known.ContainsKey("build-2"));
        Assert.Equal(2, Requests("list"));
    }
}
