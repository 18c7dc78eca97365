using MFlow.Contracts;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Issue 11: MFlow scaled out as an operator would run it on a busy cluster (two schedulers, two
/// aggregators, three replicas of each worker, all separate processes, the workers on the Kubernetes
/// executor), fifty pipelines, and mid-run the tracker leader of each kind and one aggregator are
/// killed (SIGKILL) for good. The replicas left carry every run to its end.
/// </summary>
[Collection(ReplicasCollection.Name)]
public sealed class When_every_service_runs_replicated(ReplicatedKubernetesCluster cluster, ITestOutputHelper output)
{
    private const int Pipelines = 50;

    // A standing-by replica takes a Lease over once it has seen it unrenewed for its duration, at its
    // next look: by the duration plus two retry periods after the leader's last renewal (one to see
    // that renewal, one to see it expire). Allowed on top: a saturated machine's late timers and
    // slow Lease writes; with thirteen services, the fake API server and 50 pipelines on two cores
    // the first handover measured 9.3-10.0 s, so 2 s of slack was too little and 4 s is asked.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Should_end_every_run_right_when_tracker_leaders_and_an_aggregator_die()
    {
        await using var workload = await FaultWorkload.CreateAsync(cluster, output, "replicas", defaultSeed: 5501, pipelineCount: Pipelines);
        var random = workload.Random;
        var aggregator = cluster.Aggregators[random.Next(cluster.Aggregators.Count)];
        // Each kind's leader dies once the runs have come a random part of the way (counted in Jobs
        // created); the aggregator with the last of them.
        var kills = new[] { JobKind.Build, JobKind.Deploy, JobKind.Vm }
            .Select((kind, i) => (Kind: kind, AfterJobs: (int)(workload.ExpectedJobs * (0.15 + (0.1 * i) + (random.NextDouble() * 0.1)))))
            .ToList();
        workload.Log($"plan: kill the tracker leaders after {string.Join(", ", kills.Select(k => $"{k.Kind} {k.AfterJobs}"))} Jobs, and {aggregator.Name} with the last");

        var submitting = workload.SubmitAllAsync();
        var handovers = new List<(JobKind Kind, string From, string To, TimeSpan After)>();
        foreach (var (kind, afterJobs) in kills)
        {
            await workload.WaitForJobsCreatedAsync(afterJobs);
            var leader = cluster.TrackerLeader(kind) ?? throw new InvalidOperationException($"no {kind} tracker holds the Lease");
            var victim = cluster.WorkersOf(kind).Single(worker => worker.Name == leader);
            var killedAt = DateTimeOffset.UtcNow;
            var faults = new List<StruckFault> { workload.KillForGood(victim) };
            if (kind == kills[^1].Kind)
                faults.Add(workload.KillForGood(aggregator));
            var (next, acquiredAt) = await Eventually.UntilAsync(
                () => Task.FromResult(cluster.TrackerLease(kind)),
                lease => lease.Holder is not null && lease.Holder != leader,
                KubernetesCluster.LeaseDuration * 6,
                $"another {kind} worker takes the tracker Lease over from {leader}");
            // By the Lease itself: the new holder's acquireTime, written by its own clock (this machine's).
            var after = (acquiredAt ?? DateTimeOffset.UtcNow) - killedAt;
            handovers.Add((kind, leader, next!, after));
            faults.ForEach(workload.EndFault);
            workload.Log($"{kind} tracker: {leader} killed, {next} acquired the Lease {after.TotalSeconds:0.0} s later (seen by the test {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:0.0} s later)");
        }

        await submitting;

        // A new leader finds the Jobs that ended while nobody tracked them and asks the aggregators
        // which outcomes are recorded; one still queued is reported again, under the same MessageId.
        // An aggregator killed between its relay's publish and the outbox row's delete leaves an
        // event the other relays publish again, under the row's MessageId. Exactly once by MessageId.
        await workload.AssertInvariantsAsync();
        Assert.All(handovers, handover => Assert.True(
            handover.After <= KubernetesCluster.LeaseDuration + (2 * KubernetesCluster.LeaseRetryPeriod) + Slack,
            $"the {handover.Kind} tracker Lease moved from {handover.From} to {handover.To} {handover.After.TotalSeconds:0.0} s after the kill, " +
            $"more than its {KubernetesCluster.LeaseDuration.TotalSeconds:0} s duration + 2 × {KubernetesCluster.LeaseRetryPeriod.TotalSeconds:0} s retry period + {Slack.TotalSeconds:0} s"));
    }
}

/// <summary>The replicated cluster's test: thirteen service processes, so it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicasCollection : ICollectionFixture<ReplicatedKubernetesCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "replicas";
}
