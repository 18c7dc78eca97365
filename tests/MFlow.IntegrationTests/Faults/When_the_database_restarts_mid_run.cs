using MFlow.Contracts;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Issue 5, fault tests: the PostgreSQL instance the scheduler and the aggregator share is restarted,
/// cleanly or as a crash (immediate shutdown, recovery on start), at a random moment of a run of
/// twenty pipelines.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class When_the_database_restarts_mid_run(KubernetesCluster cluster, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_bring_every_run_to_its_correct_final_state_with_one_outcome_per_task(bool crash)
    {
        await using var workload = await FaultWorkload.CreateAsync(cluster, output, crash ? "pg-crash" : "pg-stop", defaultSeed: crash ? 5302 : 5301);
        await workload.RestartMidRunAsync("PostgreSQL", crash, () => TestEnvironment.RestartPostgresAsync(crash));

        // The workers use no database and keep their connections. The aggregator commits a run's
        // events to its outbox with the state that produced them and relays them after: a relay cut
        // off before it deleted a row publishes that event again, under the row's MessageId, so each
        // run still ends exactly once by MessageId, which is what is checked.
        await workload.AssertInvariantsAsync();
    }
}
