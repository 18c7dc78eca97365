using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_used_concurrently : ServerTest
{
    protected override FakeKubernetesOptions Options => new() { AutoRun = _ => PodScript.Succeed("ok\n") };

    [Fact]
    public async Task Should_deliver_every_event_once_and_in_order_to_every_watch()
    {
        const int jobs = 40;
        var from = Server.ResourceVersion;
        await using var first = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={from}");
        await using var second = await Client.WatchAsync($"/apis/batch/v1/jobs?watch=true&resourceVersion={from}");

        var created = await Task.WhenAll(Enumerable.Range(0, jobs).Select(i => Client.PostAsync(Manifests.JobsPath, Manifests.Job($"job-{i}"))));
        foreach (var i in Enumerable.Range(0, jobs))
        {
            await Server.WaitForObjectAsync("jobs", "default", $"job-{i}", job => job.IsFinished());
        }

        await Server.WaitForControllersAsync();

        Assert.All(created, response => Assert.Equal(HttpStatusCode.Created, response.Status));
        var expected = Server.Events.Where(e => e.Resource == "jobs").Select(e => e.ResourceVersion).ToList();
        Assert.Equal(expected, await ReadVersionsAsync(first, expected.Count));
        Assert.Equal(expected, await ReadVersionsAsync(second, expected.Count));
        Assert.All(Server.List("jobs"), job => Assert.Equal("Complete", job.ConditionTypes()[^1]));
    }

    [Fact]
    public async Task Should_let_exactly_one_of_racing_updates_win()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        await Server.WaitForObjectAsync("jobs", "default", "build-1", job => job.IsFinished());
        await Server.WaitForControllersAsync();
        var current = (await Client.GetAsync($"{Manifests.JobsPath}/build-1")).Json;

        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
        {
            var update = current.DeepClone().AsObject();
            update["metadata"]!["labels"]!["writer"] = $"w{i}";
            return Client.PutAsync($"{Manifests.JobsPath}/build-1", update);
        }));

        Assert.Single(attempts, response => response.Status == HttpStatusCode.OK);
        Assert.Equal(9, attempts.Count(response => response.Status == HttpStatusCode.Conflict));
    }

    private static async Task<List<string>> ReadVersionsAsync(WatchReader watch, int count)
    {
        var versions = new List<string>();
        while (versions.Count < count)
        {
            var e = await watch.NextChangeAsync();
            versions.Add(e["object"]!.AsObject().ResourceVersion());
        }

        return versions;
    }
}
