using MassTransit;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

[Collection(SagaRepositoryCollection.Name)]
public sealed class When_an_update_changes_nothing : SagaRepositoryTest
{
    [Fact]
    public async Task Should_write_nothing_for_a_duplicate_a_late_arrival_or_a_second_plan()
    {
        var gate = new SagaGate();
        var run = new RunMessages(2);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, gate, concurrency: 8);
        await Publisher.Publish(run.Started);
        await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.Version == 1, "the run is stored");
        await Publisher.Publish(run.Update(0, TaskState.Running));
        await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.Version == 2, "task 0 runs");
        await Publisher.Publish(run.Update(0, TaskState.Succeeded));
        var before = (await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.Version == 3, "task 0 succeeded"))!;
        var passesBefore = gate.Passes.Count;

        await Publisher.Publish(run.Update(0, TaskState.Succeeded));
        await Publisher.Publish(run.Update(0, TaskState.Running));
        await Publisher.Publish(run.Started);
        await Eventually.UntilAsync(() => Task.FromResult(gate.Passes.Count - passesBefore), count => count >= 3, TimeSpan.FromSeconds(60), "the saga handled all three");
        await aggregator.StopAsync();
        Assert.Equal(0u, await VirtualHost.QueueDepthAsync("mflow-aggregator"));

        var after = await SagaRows.ReadAsync(Database, run.RunId);
        Assert.Equal(before, after);
        Assert.Equal(TaskState.Succeeded, after!.State().Tasks[run.Tasks[0].Id].State);
        Assert.Equal(3, gate.Passes.Count - passesBefore);
    }
}
