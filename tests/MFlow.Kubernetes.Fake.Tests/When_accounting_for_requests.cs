using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_accounting_for_requests : ServerTest
{
    [Fact]
    public async Task Should_record_each_request_with_its_kubernetes_verb()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        await Client.GetAsync($"{Manifests.JobsPath}/build-1");
        await Client.GetAsync($"{Manifests.JobsPath}?labelSelector=app%3Dmflow");
        await Client.PatchAsync($"{Manifests.JobsPath}/build-1", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "y" } } });
        var current = (await Client.GetAsync($"{Manifests.JobsPath}/build-1")).Json;
        await Client.PutAsync($"{Manifests.JobsPath}/build-1", current);
        await using (var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&timeoutSeconds=1"))
        {
            Assert.Equal(HttpStatusCode.OK, watch.Status);

            // The watch is counted as soon as its stream starts, not when it ends.
            Assert.Equal("watch", Server.Requests[^1].Verb);
        }

        await Client.DeleteAsync($"{Manifests.JobsPath}/build-1");
        await Client.GetAsync($"{Manifests.JobsPath}/build-1");

        var requests = Server.Requests;
        Assert.Equal(["create", "get", "list", "patch", "get", "update", "watch", "delete", "get"], requests.Select(r => r.Verb));
        Assert.Equal([201, 200, 200, 200, 200, 200, 200, 200, 404], requests.Select(r => r.StatusCode));
        Assert.All(requests, r => Assert.Equal(("jobs", "default", "fake-admin"), (r.Resource, r.Namespace, r.User)));
        Assert.Equal("build-1", requests[1].Name);
        Assert.Equal("/apis/batch/v1/namespaces/default/jobs?labelSelector=app%3Dmflow", requests[2].PathAndQuery);
        Assert.Equal(2, requests.Count(r => r is { Verb: "get", StatusCode: 200 }));
    }

    [Fact]
    public async Task Should_record_the_name_of_the_object_a_create_made_or_was_refused_for()
    {
        // A create has no name in its path: like the apiserver's audit log, the record takes it from the body.
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-2"));

        Assert.Equal([(201, "build-1"), (409, "build-1"), (201, "build-2")], Server.Requests.Select(r => (r.StatusCode, r.Name)));
    }

    [Fact]
    public async Task Should_forget_requests_on_reset()
    {
        await Client.GetAsync(Manifests.JobsPath);

        Server.ResetRequests();
        await Client.GetAsync("/version");

        var request = Assert.Single(Server.Requests);
        Assert.Equal(("get", null, "/version"), (request.Verb, request.Resource, request.PathAndQuery));
    }

    [Fact]
    public async Task Should_record_every_write_as_an_event_with_its_resourceVersion()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        await Server.CompletePodAsync("default", "build-1", 0);
        await Client.DeleteAsync($"{Manifests.JobsPath}/build-1");
        await Server.WaitForControllersAsync();

        var events = Server.Events;
        Assert.Equal(("ADDED", "jobs", "build-1"), (events[0].Type, events[0].Resource, events[0].Name));
        Assert.Contains(events, e => e is { Type: "ADDED", Resource: "pods" });
        Assert.Contains(events, e => e is { Type: "MODIFIED", Resource: "jobs" });
        Assert.Equal(2, events.Count(e => e.Type == "DELETED"));
        var versions = events.Select(e => long.Parse(e.ResourceVersion)).ToList();
        Assert.Equal(versions.Order().Distinct(), versions);
        Assert.Equal(Server.ResourceVersion, events[^1].ResourceVersion);

        // What a benchmark measures: the pod's termination, then the Job's completion, then the next write.
        var list = events.ToList();
        var podTerminated = list.FindLastIndex(e => e is { Type: "MODIFIED", Resource: "pods" });
        var jobCompleted = list.FindIndex(podTerminated, e => e is { Type: "MODIFIED", Resource: "jobs" });
        Assert.True(jobCompleted > podTerminated);
        Assert.True(list[jobCompleted].Timestamp <= list[jobCompleted + 1].Timestamp);
    }
}
