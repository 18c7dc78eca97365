using MassTransit;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

[Collection(SagaRepositoryCollection.Name)]
public sealed class When_an_update_loses_the_race : SagaRepositoryTest
{
    [Fact]
    public async Task Should_retry_it_on_the_state_the_winner_wrote()
    {
        var gate = new SagaGate();
        var run = new RunMessages(2);
        using var taskDurations = new RecordedMeasurements("mflow.task.duration");
        var (held, winner) = (run.Tasks[0].Id, run.Tasks[1].Id);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, gate, concurrency: 8);
        await Publisher.Publish(run.Started);
        await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.Version == 1, "the run is stored");

        // The first update loads version 1 and waits; the second one writes version 2 meanwhile.
        gate.Hold(held);
        await Publisher.Publish(run.Update(0, TaskState.Succeeded));
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        await Publisher.Publish(run.Update(1, TaskState.Succeeded));
        await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.Version == 2, "the second update is stored");
        gate.Release();

        var final = (await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded"))!;
        var attempts = gate.Passes.Where(pass => pass.TaskId == held).Select(pass => (pass.RetryAttempt, pass.LoadedVersion));
        Assert.Equal([(0, 1), (1, 2)], attempts);
        Assert.Equal([(0, 1)], gate.Passes.Where(pass => pass.TaskId == winner).Select(pass => (pass.RetryAttempt, pass.LoadedVersion)));
        Assert.Equal(3, final.Version);
        var state = final.State();
        Assert.Equal(TaskState.Succeeded, state.Tasks[held].State);
        Assert.Equal(run.Tasks[0].Name, state.Tasks[held].Outputs["TASK"]);
        Assert.Equal(TaskState.Succeeded, state.Tasks[winner].State);
        Assert.Equal(run.Tasks[1].Name, state.Tasks[winner].Outputs["TASK"]);

        // Measured once per task: what the losing attempt counted was dropped with it.
        Assert.Equal(2, taskDurations.Count);
    }
}
