using System.Diagnostics;
using System.Net;
using k8s.Autorest;
using k8s.Models;
using MFlow.Kubernetes.Tests.Support;
using MFlow.Testing;

namespace MFlow.Kubernetes.Tests.Client;

public sealed class When_retrying
{
    private const string JobJson = """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"build-1","namespace":"ns"}}""";

    private readonly VirtualTimeProvider _clock = new();

    private KubernetesApi Client(StubHandler stub, int maxAttempts = 4) =>
        TestClients.Create(stub, o =>
        {
            o.MaxAttempts = maxAttempts;
            o.TimeProvider = _clock;
            o.InitialBackoff = TimeSpan.FromMilliseconds(100);
            o.MaxBackoff = TimeSpan.FromSeconds(1);
        });

    private static V1Job NewJob() => new() { Metadata = new V1ObjectMeta { Name = "build-1", NamespaceProperty = "ns" } };

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Should_retry_429_and_5xx_until_success(HttpStatusCode code)
    {
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.OK, JobJson))
            .Then(_ => StubHandler.Status(code, "x", "try later"))
            .Then(_ => StubHandler.Status(code, "x", "try later"));
        using var client = Client(stub);

        var job = await client.ReadJobAsync("ns", "build-1");

        Assert.Equal("build-1", job.Metadata.Name);
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(2, _clock.Delays.Count);
    }

    [Fact]
    public async Task Should_back_off_exponentially_with_jitter_up_to_the_cap()
    {
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "down"));
        using var client = Client(stub, maxAttempts: 6);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.ReadJobAsync("ns", "build-1"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode());
        Assert.Equal(6, stub.Requests.Count);
        double[] bases = [100, 200, 400, 800, 1000];
        Assert.Equal(bases.Length, _clock.Delays.Count);
        for (var i = 0; i < bases.Length; i++)
        {
            Assert.InRange(_clock.Delays[i].TotalMilliseconds, bases[i] / 2, bases[i]);
        }
    }

    [Fact]
    public async Task Should_wait_as_long_as_the_Retry_After_header_says()
    {
        var throttled = StubHandler.Status(HttpStatusCode.TooManyRequests, "TooManyRequests", "slow down");
        throttled.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.OK, JobJson)).Then(throttled);
        using var client = Client(stub);

        await client.ReadJobAsync("ns", "build-1");

        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(_clock.Delays));
    }

    [Fact]
    public async Task Should_cap_a_huge_Retry_After()
    {
        var throttled = StubHandler.Status(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "maintenance");
        throttled.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromHours(2));
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.OK, JobJson)).Then(throttled);
        using var client = Client(stub);

        await client.ReadJobAsync("ns", "build-1");

        Assert.Equal(TimeSpan.FromSeconds(60), Assert.Single(_clock.Delays));
    }

    [Fact]
    public async Task Should_give_up_after_the_configured_attempts_with_the_servers_message()
    {
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.TooManyRequests, "TooManyRequests", "still busy"));
        using var client = Client(stub, maxAttempts: 3);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.ListPodsAsync("ns", "a=b"));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode());
        Assert.Equal("still busy", ex.Describe());
        Assert.Equal(3, stub.Requests.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public async Task Should_not_retry_answers_that_will_not_change(HttpStatusCode code)
    {
        var stub = new StubHandler(_ => StubHandler.Status(code, "x", "no"));
        using var client = Client(stub);

        await Assert.ThrowsAsync<HttpOperationException>(() => client.ReadJobAsync("ns", "build-1"));

        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Should_retry_a_create_that_was_answered_503_and_leave_AlreadyExists_to_the_caller()
    {
        // The first attempt was processed but answered 503: the retry meets the Job it created.
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.Conflict, "AlreadyExists", "exists"))
            .Then(_ => StubHandler.Status(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "timeout"));
        using var client = Client(stub);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CreateJobAsync(NewJob()));

        Assert.True(ex.Is(HttpStatusCode.Conflict));
        Assert.Equal(2, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.Contains("fieldManager=mflow", r.PathAndQuery, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_retry_network_errors_of_idempotent_calls()
    {
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.OK, JobJson))
            .ThenThrow(new HttpRequestException("connection reset", null))
            .ThenThrow(new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        using var client = Client(stub);

        await client.ReadJobAsync("ns", "build-1");

        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task Should_not_retry_a_create_whose_request_may_have_reached_the_server()
    {
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.Created, JobJson))
            .ThenThrow(new HttpRequestException(HttpRequestError.ResponseEnded, "response ended"));
        using var client = Client(stub);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.CreateJobAsync(NewJob()));

        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Should_retry_a_create_whose_connection_was_never_made()
    {
        var stub = new StubHandler(_ => StubHandler.Json(HttpStatusCode.Created, JobJson))
            .ThenThrow(new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        using var client = Client(stub);

        var job = await client.CreateJobAsync(NewJob());

        Assert.Equal("build-1", job.Metadata.Name);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Should_stop_waiting_at_once_when_cancelled()
    {
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.ServiceUnavailable, "x", "down"));
        using var client = TestClients.Create(stub, o =>
        {
            o.InitialBackoff = TimeSpan.FromMinutes(5);
            o.MaxBackoff = TimeSpan.FromMinutes(5);
            o.TimeProvider = TimeProvider.System;
        });
        using var cts = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();

        var call = client.ReadJobAsync("ns", "build-1", cts.Token);
        await Eventually.UntilAsync(() => Task.FromResult(stub.Requests.Count == 1), TimeSpan.FromSeconds(10), "the first request was sent");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30));
    }
}
