using MFlow.Contracts;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Issue 5, fault tests: the RabbitMQ instance every service uses is restarted, cleanly or as a
/// crash (SIGKILL), at a random moment of a run of twenty pipelines.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class When_the_broker_restarts_mid_run(KubernetesCluster cluster, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_bring_every_run_to_its_correct_final_state_with_one_outcome_per_task(bool crash)
    {
        await using var workload = await FaultWorkload.CreateAsync(cluster, output, crash ? "mq-crash" : "mq-stop", defaultSeed: crash ? 5202 : 5201);
        await workload.RestartMidRunAsync("RabbitMQ", crash, () => TestEnvironment.RestartRabbitMqAsync(crash));

        // Every service loses its connection and reconnects. A publish in flight when the broker went
        // away may have reached it without its confirm coming back: TaskReporter publishes that
        // TaskUpdated again, and the aggregator's outbox relay publishes a run event again (seed 5202
        // showed both). The copies carry the MessageId of the first (a terminal report's is derived
        // from its task and sequence; an outbox row keeps its own), so each attempt and each run still
        // ends exactly once for a subscriber that drops a MessageId it has seen, which is what is checked.
        await workload.AssertInvariantsAsync();
    }
}
