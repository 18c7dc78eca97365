using System.Net;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_injecting_faults : ServerTest
{
    [Fact]
    public async Task Should_answer_429_with_Retry_After_for_the_next_matching_requests_only()
    {
        Server.InjectFaults(2, 429, TimeSpan.FromSeconds(3), pathContains: "/jobs");

        var unrelated = await Client.GetAsync(Manifests.PodsPath);
        var first = await Client.GetAsync(Manifests.JobsPath);
        var second = await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));
        var third = await Client.GetAsync(Manifests.JobsPath);

        Assert.Equal(HttpStatusCode.OK, unrelated.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, first.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), first.Headers.RetryAfter!.Delta);
        Assert.Equal("TooManyRequests", first.Json["reason"]!.GetValue<string>());
        Assert.Equal(3, first.Json["details"]!["retryAfterSeconds"]!.GetValue<int>());
        Assert.Equal(429, first.Json["code"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
        Assert.Null(Server.GetObject("jobs", "default", "build-1"));
        Assert.Equal(HttpStatusCode.OK, third.Status);
    }

    [Theory]
    [InlineData(500, "InternalError")]
    [InlineData(503, "ServiceUnavailable")]
    public async Task Should_answer_server_errors_with_a_Status_body(int code, string reason)
    {
        Server.InjectFaults(1, code);

        var response = await Client.GetAsync(Manifests.JobsPath);

        Assert.Equal(code, (int)response.Status);
        Assert.Equal(reason, response.Json["reason"]!.GetValue<string>());
        Assert.Equal("Failure", response.Json["status"]!.GetValue<string>());
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Should_fail_a_watch_request_too()
    {
        Server.InjectFaults(1, 503, TimeSpan.FromSeconds(1), pathContains: "watch=true");

        await using var watch = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, watch.Status);
        Assert.Equal((503, "watch"), (Server.Requests[^1].StatusCode, Server.Requests[^1].Verb));
    }
}
