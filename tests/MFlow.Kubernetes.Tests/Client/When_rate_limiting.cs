using System.Diagnostics;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Client;

public sealed class When_rate_limiting
{
    [Fact]
    public async Task Should_spread_requests_beyond_the_burst_at_the_configured_rate()
    {
        var stub = new StubHandler();
        using var client = TestClients.Create(stub, o =>
        {
            o.QueriesPerSecond = 5;
            o.Burst = 2;
        });
        var stopwatch = Stopwatch.StartNew();

        // 2 from the burst, then 3 more at 5 per second: at least 3 × 200 ms minus timer slack.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.ListJobsAsync("ns", "a=b")));

        Assert.Equal(5, stub.Requests.Count);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(500), $"took only {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Should_not_limit_when_disabled()
    {
        var stub = new StubHandler();
        using var client = TestClients.Create(stub, o =>
        {
            o.QueriesPerSecond = 0;
            o.Burst = 1;
        });

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.ListJobsAsync("ns", "a=b")));

        Assert.Equal(20, stub.Requests.Count);
    }

    [Fact]
    public void Should_default_to_a_generous_limit()
    {
        var options = new KubernetesClientOptions();

        Assert.Equal(50, options.QueriesPerSecond);
        Assert.Equal(100, options.Burst);
    }
}
