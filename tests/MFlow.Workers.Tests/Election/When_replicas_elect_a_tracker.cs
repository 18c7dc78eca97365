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

    // Periods wide enough for a loaded machine (timers late by a second or more must not flip a
    // leader): client-go's proportions, shortened so that a test waits seconds, not a minute.
    static readonly LeaderElectionOptions Periods = new()
    {
        Enabled = true,
        LeaseDuration = TimeSpan.FromSeconds(6),
        RenewDeadline = TimeSpan.FromSeconds(4),
        RetryPeriod = TimeSpan.FromSeconds(1),
    };

    static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

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
    public async Task Should_let_one_replica_lead_and_hand_over_at_once_when_it_stops_gracefully()
    {
        var a = Election("replica-a");
        var b = Election("replica-b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var leading = new List<(string Who, bool Started, DateTimeOffset At)>();
        Func<CancellationToken, Task> Lead(string who) => async token =>
        {
            lock (leading)
                leading.Add((who, true, DateTimeOffset.UtcNow));
            try { await Task.Delay(Timeout.Infinite, token); }
            finally
            {
                lock (leading)
                    leading.Add((who, false, DateTimeOffset.UtcNow));
            }
        };

        var runA = a.RunAsync(Lead("a"), stopA.Token);
        await Eventually.UntilAsync(() => Task.FromResult(a.IsLeader), Patience, "replica a leads");
        var bStarted = DateTimeOffset.UtcNow;
        var runB = b.RunAsync(Lead("b"), stopB.Token);

        // b sees a renewing and stands by, well past the Lease's duration: until a renewed it two
        // Lease durations after b started asking.
        await Eventually.UntilAsync(
            () => Task.FromResult(Lease().RenewTime), renewed => renewed >= bStarted + (Periods.LeaseDuration * 2), Patience,
            "replica a renews the Lease two lease durations after b started");
        var standingBy = Lease();
        Assert.Equal("replica-a", standingBy.Holder);
        lock (leading)
            Assert.Equal([("a", true)], leading.Select(l => (l.Who, l.Started)));

        // A graceful stop releases the Lease: b takes it over at its next look, long before a's last
        // renewal would have expired.
        var claimOfA = Lease().RenewTime + Periods.LeaseDuration; // a's claim lasts at least this long
        var stoppedAt = DateTimeOffset.UtcNow;
        await stopA.CancelAsync();
        await runA;
        var handedOver = await Eventually.UntilAsync(
            () => Task.FromResult(Lease()), lease => lease.Holder == "replica-b", Patience, "replica b takes over once a released the Lease");
        await Eventually.UntilAsync(() => Task.FromResult(b.IsLeader), Patience, "replica b leads");
        Assert.True(
            handedOver.AcquireTime < claimOfA,
            $"b acquired the Lease at {handedOver.AcquireTime:HH:mm:ss.fff}, a stopped at {stoppedAt:HH:mm:ss.fff} and its claim ran until {claimOfA:HH:mm:ss.fff}: a released Lease is taken at once, not once it expires");
        lock (leading)
        {
            // Never two leaders: b started only after a had stopped leading.
            var aStopped = leading.Single(l => l is { Who: "a", Started: false }).At;
            Assert.True(leading.Single(l => l is { Who: "b", Started: true }).At >= aStopped);
        }

        await stopB.CancelAsync();
        await runB;
    }

    [Fact]
    public async Task Should_take_over_a_lease_whose_holder_stopped_renewing_only_once_it_expired()
    {
        // A replica that died without releasing: its Lease is simply never renewed again.
        var renewed = DateTime.UtcNow;
        var duration = (int)Periods.LeaseDuration.TotalSeconds;
        await _client.Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = LeaseName, NamespaceProperty = Namespace },
            Spec = new V1LeaseSpec { HolderIdentity = "crashed-replica", LeaseDurationSeconds = duration, AcquireTime = renewed, RenewTime = renewed, LeaseTransitions = 0 },
        }, Namespace);
        var crashed = Lease();
        var b = Election("replica-b");
        using var stop = new CancellationTokenSource();
        var run = b.RunAsync(token => Task.Delay(Timeout.Infinite, token), stop.Token);

        var taken = await Eventually.UntilAsync(
            () => Task.FromResult(Lease()), lease => lease.Holder == "replica-b", Patience, "the survivor takes the expired Lease over");
        await Eventually.UntilAsync(() => Task.FromResult(b.IsLeader), Patience, "the survivor leads");

        // Not before the crashed holder's last renewal plus the Lease's duration.
        Assert.True(
            taken.AcquireTime >= crashed.RenewTime + Periods.LeaseDuration,
            $"replica-b acquired the Lease at {taken.AcquireTime:HH:mm:ss.ffffff}, before the crashed holder's claim (renewed {crashed.RenewTime:HH:mm:ss.ffffff}, {duration} s) expired");
        Assert.Equal(1, taken.Transitions);

        await stop.CancelAsync();
        await run;
    }

    (string? Holder, DateTimeOffset AcquireTime, DateTimeOffset RenewTime, int Transitions) Lease()
    {
        var spec = _server.GetObject("leases", Namespace, LeaseName)?["spec"];
        static DateTimeOffset Time(System.Text.Json.Nodes.JsonNode? value) =>
            value is null ? DateTimeOffset.MinValue : DateTimeOffset.Parse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        return (spec?["holderIdentity"]?.GetValue<string>(), Time(spec?["acquireTime"]), Time(spec?["renewTime"]), spec?["leaseTransitions"]?.GetValue<int>() ?? 0);
    }

    LeaderElection Election(string identity) =>
        new(_client.Client, Namespace, LeaseName, identity, Periods, NullLogger<LeaderElection>.Instance);
}
