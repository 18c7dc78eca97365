using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

/// <summary>MFlow's client talks HTTP/2, as client-go does; the same behaviour must hold there.</summary>
public sealed class When_speaking_http2 : ServerTest
{
    [Fact]
    public async Task Should_serve_requests_and_read_DeleteOptions_bodies()
    {
        using var client = new ApiClient(Server, Server.Token, httpVersion: HttpVersion.Version20);
        var job = (await client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"))).Json;
        await client.PostAsync(Manifests.SecretsPath, Manifests.Secret("creds", owner: job));
        await Server.WaitForControllersAsync();

        var deleted = await client.DeleteAsync($"{Manifests.JobsPath}/build-1", new JsonObject { ["propagationPolicy"] = "Orphan" });
        await Server.WaitForControllersAsync();

        Assert.Equal(HttpVersion.Version20, deleted.HttpVersion);
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.NotNull(Server.GetObject("secrets", "default", "creds"));
        Assert.Single(Server.GetJobPods("default", "build-1"));
    }

    [Fact]
    public async Task Should_stream_watch_events_and_reset_the_stream_on_drop()
    {
        using var client = new ApiClient(Server, Server.Token, httpVersion: HttpVersion.Version20);
        await using var watch = await client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={Server.ResourceVersion}");

        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        var added = await watch.NextChangeAsync();
        Server.DropWatches();

        Assert.Equal(("ADDED", "build-1"), (added.Type(), added.ObjectName()));
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await watch.NextAsync() is not null)
            {
            }
        });
    }
}
