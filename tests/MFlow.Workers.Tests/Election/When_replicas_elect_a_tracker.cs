using k8s;
using k8s.Models;
using MFlow.Execution.Kubernetes;
using MFlow.Kubernetes;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Workers.Tests.Election;

/// <summary>Several worker replicas: exactly one tracks at a time, and another takes over when it goes.</summary>
public sealed class When_replicas_elect_a_tracker : IAsyncLifetime
{
    const string Namespace = "mflow-tasks";
    const string LeaseName = "mflow-build-tracker";

    static readonly LeaderElectionOptions Fast = new()
    {
        Enabled = true,
        LeaseDuration = TimeSpan.FromSeconds(2),
        RenewDeadline = TimeSpan.FromSeconds(1),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    };

    FakeKubernetesServer _server = null!;
    KubernetesApi _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesServer.StartAsync();
        _client = KubernetesApi.Create(KubernetesConnections.FromYaml(_server.CreateKubeconfig(Namespace)), new KubernetesClientOptions { QueriesPerSecond = 0 });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Should_let_one_replica_lead_and_hand_over_when_it_stops()
    {
        var a = Election("replica-a");
        var b = Election("replica-b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var leading = new HashSet<string>();
        Func<CancellationToken, Task> Lead(string who) => async token =>
        {
            lock (leading)
                leading.Add(who);
            try { await Task.Delay(Timeout.Infinite, token); }
            finally
            {
                lock (leading)
                    leading.Remove(who);
            }
        };

        var runA = a.RunAsync(Lead("a"), stopA.Token);
        await Eventually.UntilAsync(() => Task.FromResult(a.IsLeader), TimeSpan.FromSeconds(10), "replica a leads");
        var bStarted = DateTimeOffset.UtcNow;
        var runB = b.RunAsync(Lead("b"), stopB.Token);

        // b sees a renewing and stands by, well past the Lease's duration: until a renewed it two
        // Lease durations after b started asking.
        await Eventually.UntilAsync(
            () => Task.FromResult(RenewTime()), renewed => renewed >= bStarted + (Fast.LeaseDuration * 2), TimeSpan.FromSeconds(10),
            "replica a renews the Lease two lease durations after b started");
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        lock (leading)
            Assert.Equal(["a"], leading);

        await stopA.CancelAsync();
        await runA;
        await Eventually.UntilAsync(() => Task.FromResult(b.IsLeader), TimeSpan.FromSeconds(10), "replica b takes over once a released the Lease");
        var lease = _server.GetObject("leases", Namespace, LeaseName)!;
        Assert.Equal("replica-b", lease["spec"]!["holderIdentity"]!.GetValue<string>());

        await stopB.CancelAsync();
        await runB;
    }

    [Fact]
    public async Task Should_take_over_a_lease_whose_holder_stopped_renewing()
    {
        // A replica that died without releasing: its Lease is simply never renewed again.
        var acquired = DateTime.UtcNow.AddSeconds(-1);
        await _client.Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = LeaseName, NamespaceProperty = Namespace },
            Spec = new V1LeaseSpec { HolderIdentity = "crashed-replica", LeaseDurationSeconds = 2, AcquireTime = acquired, RenewTime = acquired, LeaseTransitions = 0 },
        }, Namespace);
        var b = Election("replica-b");
        using var stop = new CancellationTokenSource();
        var run = b.RunAsync(token => Task.Delay(Timeout.Infinite, token), stop.Token);

        await Eventually.UntilAsync(() => Task.FromResult(b.IsLeader), TimeSpan.FromSeconds(15), "the survivor takes the expired Lease over");
        var lease = _server.GetObject("leases", Namespace, LeaseName)!;
        Assert.Equal("replica-b", lease["spec"]!["holderIdentity"]!.GetValue<string>());
        Assert.Equal(1, lease["spec"]!["leaseTransitions"]!.GetValue<int>());

        await stop.CancelAsync();
        await run;
    }

    DateTimeOffset RenewTime() =>
        DateTimeOffset.Parse(_server.GetObject("leases", Namespace, LeaseName)!["spec"]!["renewTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

    LeaderElection Election(string identity) =>
        new(_client.Client, Namespace, LeaseName, identity, Fast, NullLogger<LeaderElection>.Instance);
}
