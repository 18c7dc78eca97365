using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_watching : ServerTest
{
    protected override FakeKubernetesOptions Options => new() { BookmarkInterval = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task Should_start_with_an_ADDED_per_existing_object_then_stream_changes()
    {
        await CreateJobAsync("a");
        await CreateJobAsync("b");
        await Server.WaitForControllersAsync();

        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&labelSelector=app%3Dmflow");
        var first = await watch.NextChangeAsync();
        var second = await watch.NextChangeAsync();
        await CreateJobAsync("c");
        var third = await watch.NextChangeAsync();

        Assert.Equal(HttpStatusCode.OK, watch.Status);
        Assert.Equal("application/json", watch.ContentType);
        Assert.Equal(("ADDED", "a"), (first.Type(), first.ObjectName()));
        Assert.Equal(("ADDED", "b"), (second.Type(), second.ObjectName()));
        Assert.Equal(("ADDED", "c"), (third.Type(), third.ObjectName()));
        Assert.Equal("Job", third["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("batch/v1", third["object"]!["apiVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_replay_every_event_after_the_given_resourceVersion()
    {
        var a = await CreateJobAsync("a");
        await Server.WaitForControllersAsync();
        var from = Server.ResourceVersion;
        await CreateJobAsync("b");
        await Server.WaitForControllersAsync();
        await Client.PatchAsync($"{Manifests.JobsPath}/a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["stage"] = "test" } } });

        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=1&resourceVersion={from}");
        var events = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            events.Add(await watch.NextChangeAsync());
        }

        // b is created, the controller records b's first pod in its status, then a is labelled.
        Assert.Equal([("ADDED", "b"), ("MODIFIED", "b"), ("MODIFIED", "a")], events.Select(e => (e.Type(), e.ObjectName())));
        Assert.Equal(1, events[1]["object"]!.AsObject().StatusCount("active"));
        Assert.Equal("test", events[2]["object"]!["metadata"]!["labels"]!["stage"]!.GetValue<string>());
        var versions = events.Select(e => long.Parse(e["object"]!.AsObject().ResourceVersion())).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.True(versions[0] > long.Parse(from));
        Assert.NotEqual(a.ResourceVersion(), events[2]["object"]!.AsObject().ResourceVersion());
    }

    [Fact]
    public async Task Should_stream_live_MODIFIED_events_as_the_job_runs()
    {
        await CreateJobAsync("build-1");
        await Server.WaitForControllersAsync();
        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}&fieldSelector=metadata.name%3Dbuild-1");

        await Server.CompletePodAsync("default", "build-1", 0);
        var counted = await watch.NextChangeAsync();
        var change = await watch.NextChangeAsync();

        Assert.Equal("MODIFIED", counted.Type());
        Assert.Equal(["SuccessCriteriaMet"], counted["object"]!.AsObject().ConditionTypes());
        Assert.Equal("MODIFIED", change.Type());
        Assert.Equal(["SuccessCriteriaMet", "Complete"], change["object"]!.AsObject().ConditionTypes());
    }

    [Fact]
    public async Task Should_send_DELETED_when_a_relabelled_object_leaves_the_selector_and_ADDED_when_it_returns()
    {
        var job = await CreateJobAsync("a", j => j["metadata"]!["labels"]!["stage"] = "build");
        await Server.WaitForControllersAsync();
        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}&labelSelector=stage%3Dbuild");

        var leave = await Client.PatchAsync($"{Manifests.JobsPath}/a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["stage"] = "test" } } });
        var deleted = await watch.NextChangeAsync();
        await Client.PatchAsync($"{Manifests.JobsPath}/a", new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["note"] = "unseen" } } });
        await Client.PatchAsync($"{Manifests.JobsPath}/a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["stage"] = "build" } } });
        var added = await watch.NextChangeAsync();
        await using var replay = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={job.ResourceVersion()}&labelSelector=stage%3Dbuild");
        var replayed = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var e = await replay.NextChangeAsync();
            while (e.Type() == "MODIFIED")
            {
                e = await replay.NextChangeAsync();
            }

            replayed.Add(e.Type());
        }

        // As the apiserver's cacher: the previous content, at the relabelling write's resourceVersion.
        Assert.Equal(("DELETED", "a"), (deleted.Type(), deleted.ObjectName()));
        Assert.Equal("build", deleted["object"]!["metadata"]!["labels"]!["stage"]!.GetValue<string>());
        Assert.Equal(leave.Json.ResourceVersion(), deleted["object"]!.AsObject().ResourceVersion());
        Assert.Equal(("ADDED", "a"), (added.Type(), added.ObjectName()));
        Assert.Equal("unseen", added["object"]!["metadata"]!["annotations"]!["note"]!.GetValue<string>());
        Assert.Equal(["DELETED", "ADDED"], replayed);
    }

    [Fact]
    public async Task Should_answer_an_ERROR_410_event_for_a_compacted_resourceVersion()
    {
        await CreateJobAsync("a");
        var old = Server.ResourceVersion;
        await CreateJobAsync("b");
        await Server.WaitForControllersAsync();
        Server.CompactHistory();

        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={old}");
        var error = await watch.NextAsync() ?? throw new InvalidOperationException("No ERROR event.");
        var end = await watch.NextAsync();
        var list = await Client.GetAsync($"{Manifests.JobsPath}?resourceVersion={old}&resourceVersionMatch=NotOlderThan");
        await using var fresh = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}");

        Assert.Equal(HttpStatusCode.OK, watch.Status);
        Assert.Equal("ERROR", error.Type());
        var status = error["object"]!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal(410, status["code"]!.GetValue<int>());
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
        Assert.Equal($"too old resource version: {old} ({Server.ResourceVersion})", status["message"]!.GetValue<string>());
        Assert.Null(end);
        Assert.Equal(HttpStatusCode.Gone, list.Status);
        Assert.Equal("Expired", list.Json["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, fresh.Status);
    }

    [Fact]
    public async Task Should_deliver_only_later_events_to_a_plain_watch_from_a_resourceVersion_ahead_of_the_store()
    {
        await CreateJobAsync("a");
        await Server.WaitForControllersAsync();
        var ahead = long.Parse(Server.ResourceVersion) + 3;

        // kube-apiserver 1.32 (cacheWatcher): no error and no time limit, only events newer than the requested version.
        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={ahead}");
        for (var i = 0; i < 4; i++)
        {
            await CreateJobAsync($"b{i}");
            await Server.WaitForControllersAsync();
        }

        var first = await watch.NextChangeAsync();
        Assert.Equal(HttpStatusCode.OK, watch.Status);
        Assert.True(long.Parse(first["object"]!.AsObject().ResourceVersion()) > ahead);
    }

    [Fact]
    public async Task Should_answer_504_Too_large_resource_version_to_reads_ahead_of_the_store_after_waiting_for_it()
    {
        await CreateJobAsync("a");
        await Server.WaitForControllersAsync();
        var current = Server.ResourceVersion;
        var ahead = long.Parse(current) + 1000;

        var list = await Client.GetAsync($"{Manifests.JobsPath}?resourceVersion={ahead}");
        var get = await Client.GetAsync($"{Manifests.JobsPath}/a?resourceVersion={ahead}");
        await using var watchList = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion={ahead}");
        var error = await watchList.NextAsync() ?? throw new InvalidOperationException("No ERROR event.");

        Assert.Equal(HttpStatusCode.GatewayTimeout, list.Status);
        Assert.Equal($"Timeout: Too large resource version: {ahead}, current: {current}", list.Json["message"]!.GetValue<string>());
        Assert.Equal("Timeout", list.Json["reason"]!.GetValue<string>());
        Assert.Equal("ResourceVersionTooLarge", list.Json["details"]!["causes"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal("Too large resource version", list.Json["details"]!["causes"]![0]!["message"]!.GetValue<string>());
        Assert.Equal(1, list.Json["details"]!["retryAfterSeconds"]!.GetValue<int>());
        Assert.Equal("1", Assert.Single(list.Headers.GetValues("Retry-After")));
        Assert.Equal(HttpStatusCode.GatewayTimeout, get.Status);
        Assert.Equal(HttpStatusCode.OK, watchList.Status);
        Assert.Equal("ERROR", error.Type());
        Assert.Equal(504, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("ResourceVersionTooLarge", error["object"]!["details"]!["causes"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_serve_a_read_once_the_store_reaches_the_requested_resourceVersion()
    {
        await CreateJobAsync("a");
        await Server.WaitForControllersAsync();
        var next = long.Parse(Server.ResourceVersion) + 1;

        var list = Client.GetAsync($"{Manifests.JobsPath}?resourceVersion={next}");
        await CreateJobAsync("b");
        var answer = await list;

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(long.Parse(answer.Json["metadata"]!["resourceVersion"]!.GetValue<string>()) >= next);
    }

    [Fact]
    public async Task Should_end_the_stream_abruptly_when_watches_are_dropped()
    {
        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}");
        await CreateJobAsync("a");
        Assert.Equal("ADDED", (await watch.NextChangeAsync()).Type());

        Server.DropWatches();

        // A dropped connection, unlike a clean end of stream, fails the read.
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await watch.NextAsync() is not null)
            {
            }
        });
    }

    [Fact]
    public async Task Should_end_cleanly_after_timeoutSeconds_with_bookmarks_on_the_way()
    {
        await CreateJobAsync("a");
        await Server.WaitForControllersAsync();
        var started = DateTimeOffset.UtcNow;

        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}&timeoutSeconds=1&allowWatchBookmarks=true");
        var events = new List<JsonObject>();
        while (await watch.NextAsync(TimeSpan.FromSeconds(5)) is { } e)
        {
            events.Add(e);
        }

        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(0.9));
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal("BOOKMARK", e.Type()));
        var bookmark = events[^1]["object"]!;
        Assert.Equal("Job", bookmark["kind"]!.GetValue<string>());
        Assert.Equal(Server.ResourceVersion, bookmark["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_filter_events_with_the_label_selector()
    {
        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&labelSelector=mflow.io/run%3Drun-2");

        await CreateJobAsync("a");
        await CreateJobAsync("b", j => j["metadata"]!["labels"]!["mflow.io/run"] = "run-2");
        var e = await watch.NextChangeAsync();

        Assert.Equal(("ADDED", "b"), (e.Type(), e.ObjectName()));
    }

    [Fact]
    public async Task Should_report_DELETED_with_the_last_state()
    {
        await CreateJobAsync("a");
        await Server.WaitForControllersAsync();
        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}");

        await Client.DeleteAsync($"{Manifests.JobsPath}/a");
        var e = await watch.NextChangeAsync();

        Assert.Equal(("DELETED", "a"), (e.Type(), e.ObjectName()));
        Assert.Equal(Server.Events.Single(x => x.Type == "DELETED" && x.Resource == "jobs").ResourceVersion, e["object"]!.AsObject().ResourceVersion());
    }

    [Fact]
    public async Task Should_watch_pods_across_namespaces()
    {
        await using var watch = await Client.WatchAsync("/api/v1/pods?watch=true&labelSelector=job-name");

        await Client.PostAsync("/apis/batch/v1/namespaces/ci/jobs", Manifests.Job("build-1"));
        var e = await watch.NextChangeAsync();

        Assert.Equal("ADDED", e.Type());
        Assert.Equal("ci", e["object"]!["metadata"]!["namespace"]!.GetValue<string>());
        Assert.StartsWith("build-1-", e.ObjectName());
    }

    [Fact]
    public async Task Should_send_initial_events_then_a_bookmark_when_asked_for_a_watch_list()
    {
        await CreateJobAsync("a");
        await Server.WaitForControllersAsync();

        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        var added = await watch.NextAsync() ?? throw new InvalidOperationException("The watch ended.");
        var bookmark = await watch.NextAsync() ?? throw new InvalidOperationException("The watch ended.");

        Assert.Equal(("ADDED", "a"), (added.Type(), added.ObjectName()));
        Assert.Equal("BOOKMARK", bookmark.Type());
        Assert.Equal("true", bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }
}
