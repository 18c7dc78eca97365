using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

[Collection(AggregatorStorageCollection.Name)]
public sealed class When_an_update_changes_nothing : AggregatorTest
{
    [Fact]
    public async Task Should_write_nothing_for_a_duplicate_a_late_arrival_or_a_second_plan()
    {
        var run = new RunMessages(2);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 8);
        await Publisher.Publish(run.Started);
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.PlanKnown, "the run is stored");
        await Publisher.Publish(run.Update(0, TaskState.Running));
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.Tasks[run.Tasks[0].Id].State == TaskState.Running, "task 0 runs");
        await Publisher.Publish(run.Update(0, TaskState.Succeeded));
        var before = (await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.Tasks[run.Tasks[0].Id].State == TaskState.Succeeded, "task 0 succeeded"))!;
        await Eventually.UntilAsync(() => Task.FromResult(aggregator.Consumed == 3), TimeSpan.FromSeconds(30), "the first three were consumed");

        await Publisher.Publish(run.Update(0, TaskState.Succeeded));
        await Publisher.Publish(run.Update(0, TaskState.Running));
        await Publisher.Publish(run.Started);
        await Eventually.UntilAsync(() => Task.FromResult(aggregator.Consumed), count => count >= 6, TimeSpan.FromSeconds(60), "the aggregator handled all three");
        await aggregator.StopAsync();
        Assert.Equal(0u, await VirtualHost.QueueDepthAsync("mflow-aggregator"));

        var after = (await StoredRuns.ReadAsync(Database, run.RunId))!;
        Assert.Equal(before.Rows, after.Rows);
        Assert.Equal(TaskState.Succeeded, after.State.Tasks[run.Tasks[0].Id].State);
        Assert.Empty(aggregator.Faults);
    }
}
