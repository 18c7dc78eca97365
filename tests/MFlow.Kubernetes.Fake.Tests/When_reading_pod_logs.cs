using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_reading_pod_logs : ServerTest
{
    [Fact]
    public async Task Should_serve_the_log_as_plain_text_after_completion()
    {
        var pod = await StartJobAsync("build-1");
        await Server.CompletePodAsync("default", "build-1", 0, "line 1\nline 2\nline 3\n");

        var response = await Client.GetAsync(LogPath(pod));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("text/plain", response.ContentType);
        Assert.Equal("line 1\nline 2\nline 3\n", response.Text);
    }

    [Fact]
    public async Task Should_serve_the_partial_log_of_a_running_pod()
    {
        var pod = await StartJobAsync("build-1");
        await Server.SetPodRunningAsync("default", "build-1");
        await Server.AppendPodLogAsync("default", "build-1", "step 1\n");

        var partial = await Client.GetAsync(LogPath(pod));
        await Server.CompletePodAsync("default", "build-1", 0, "step 2\n");
        var final = await Client.GetAsync(LogPath(pod));

        Assert.Equal("step 1\n", partial.Text);
        Assert.Equal("step 1\nstep 2\n", final.Text);
    }

    [Theory]
    [InlineData("?tailLines=2", "line 2\nline 3\n")]
    [InlineData("?tailLines=0", "")]
    [InlineData("?tailLines=10", "line 1\nline 2\nline 3\n")]
    [InlineData("?limitBytes=8", "line 1\nl")]
    [InlineData("?tailLines=1&limitBytes=4", "line")]
    public async Task Should_honour_tailLines_and_limitBytes(string query, string expected)
    {
        var pod = await StartJobAsync("build-1");
        await Server.CompletePodAsync("default", "build-1", 0, "line 1\nline 2\nline 3\n");

        var response = await Client.GetAsync(LogPath(pod) + query);

        Assert.Equal(expected, response.Text);
    }

    [Fact]
    public async Task Should_require_a_container_name_when_the_pod_has_several()
    {
        var pod = await StartJobAsync("build-1", j =>
        {
            j.PodSpec()["containers"]!.AsArray().Add(new JsonObject { ["name"] = "sidecar", ["image"] = "envoy:1" });
            j.PodSpec()["initContainers"] = new JsonArray(new JsonObject { ["name"] = "clone", ["image"] = "alpine/git:2" });
        });
        await Server.CompletePodAsync("default", "build-1", 0, "main output\n");

        var ambiguous = await Client.GetAsync(LogPath(pod));
        var main = await Client.GetAsync(LogPath(pod) + "?container=main");
        var init = await Client.GetAsync(LogPath(pod) + "?container=clone");
        var unknown = await Client.GetAsync(LogPath(pod) + "?container=nope");

        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.Status);
        Assert.Equal($"a container name must be specified for pod {pod}, choose one of: [main sidecar] or one of the init containers: [clone]", ambiguous.Json["message"]!.GetValue<string>());
        Assert.Equal("main output\n", main.Text);
        Assert.Equal(HttpStatusCode.OK, init.Status);
        Assert.Equal("", init.Text);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal($"container nope is not valid for pod {pod}", unknown.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_400_while_the_container_is_creating_and_for_previous()
    {
        var pod = await StartJobAsync("build-1");

        var creating = await Client.GetAsync(LogPath(pod));
        await Server.CompletePodAsync("default", "build-1", 0, "x");
        var previous = await Client.GetAsync(LogPath(pod) + "?previous=true");

        Assert.Equal(HttpStatusCode.BadRequest, creating.Status);
        Assert.Equal($"container \"main\" in pod \"{pod}\" is waiting to start: ContainerCreating", creating.Json["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, previous.Status);
        Assert.Equal($"previous terminated container \"main\" in pod \"{pod}\" not found", previous.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_404_for_a_pod_that_does_not_exist()
    {
        var response = await Client.GetAsync($"{Manifests.PodsPath}/ghost/log");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("pods \"ghost\" not found", response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_stream_a_followed_log_until_the_container_ends()
    {
        var pod = await StartJobAsync("build-1");
        await Server.SetPodRunningAsync("default", "build-1");
        await Server.AppendPodLogAsync("default", "build-1", "first\n");
        using var http = new HttpClient(ApiClient.CreateHandler(Server.CaCertificatePem, null)) { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Server.Token);
        using var response = await http.GetAsync(LogPath(pod) + "?follow=true", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        Assert.Equal("first", await reader.ReadLineAsync());
        await Server.AppendPodLogAsync("default", "build-1", "second\n");
        Assert.Equal("second", await reader.ReadLineAsync());
        await Server.CompletePodAsync("default", "build-1", 0, "last\n");
        Assert.Equal("last", await reader.ReadLineAsync());
        Assert.Null(await reader.ReadLineAsync());
    }

    private async Task<string> StartJobAsync(string name, Action<JsonObject>? customize = null)
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job(name, customize));
        await Server.WaitForControllersAsync();
        return Assert.Single(Server.GetJobPods("default", name)).Name();
    }

    private static string LogPath(string pod) => $"{Manifests.PodsPath}/{pod}/log";
}
