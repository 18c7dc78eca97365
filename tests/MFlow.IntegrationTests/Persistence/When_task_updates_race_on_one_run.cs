using MassTransit;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// The saga repository against real PostgreSQL: updates of one run arriving at once on several
/// consumers, each message published twice, in a shuffled order.
/// </summary>
[Collection(SagaRepositoryCollection.Name)]
public sealed class When_task_updates_race_on_one_run(ITestOutputHelper output) : SagaRepositoryTest
{
    private const string Queue = "mflow-aggregator";
    [Fact]
    public async Task Should_lose_no_update_when_two_unpartitioned_consumers_race()
    {
        const int taskCount = 120;
        var gate = new SagaGate();
        var run = new RunMessages(taskCount);
        await using var first = await InProcessAggregator.StartAsync(VirtualHost, Database, gate, concurrency: 16);
        await using var second = await InProcessAggregator.StartAsync(VirtualHost, Database, gate, concurrency: 16);

        await PublishAllTwiceShuffledAsync(run);
        await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded");
        await Task.WhenAll(first.StopAsync(), second.StopAsync());
        await AssertEverythingConsumedAsync();

        await AssertNoUpdateLostAsync(run);
        var retried = gate.Passes.Count(pass => pass.RetryAttempt > 0);
        output.WriteLine($"{gate.Passes.Count} saga passes for {2 * (taskCount + 1)} messages; {retried} were retries after a lost race, at most {gate.Passes.Max(pass => pass.RetryAttempt)} for one message");
    }

    [Fact]
    public async Task Should_lose_no_update_across_two_aggregator_processes()
    {
        const int taskCount = 80;
        var run = new RunMessages(taskCount);
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, [typeof(StageCompleted), typeof(PipelineRunSucceeded), typeof(PipelineRunFailed)]);
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__RabbitMq"] = VirtualHost.Url.ToString(),
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
        };
        await using var first = ServiceProcess.Start("MFlow.Aggregator", environment, "aggregator-1");
        await using var second = ServiceProcess.Start("MFlow.Aggregator", environment, "aggregator-2");
        await Task.WhenAll(first.WaitUntilHealthyAsync(ServiceCluster.StartTimeout), second.WaitUntilHealthyAsync(ServiceCluster.StartTimeout));

        await PublishAllTwiceShuffledAsync(run);
        await SagaRows.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded");
        await Task.WhenAll(first.StopAsync(), second.StopAsync());
        await AssertEverythingConsumedAsync();

        await AssertNoUpdateLostAsync(run);
        Assert.Contains(await spy.MessagesAsync<StageCompleted>(), e => e.RunId == run.RunId && e.StageIndex == 0 && e.Succeeded);
        Assert.Contains(await spy.MessagesAsync<PipelineRunSucceeded>(), e => e.RunId == run.RunId);
        Assert.DoesNotContain(await spy.MessagesAsync<PipelineRunFailed>(), e => e.RunId == run.RunId);
    }

    // The plan and every task's Succeeded, each twice, shuffled by a fixed seed and published all at
    // once: the broker's arrival order is the publishes' race, so the seed fixes the mix, not the order.
    private async Task PublishAllTwiceShuffledAsync(RunMessages run)
    {
        var messages = new List<object> { run.Started };
        messages.AddRange(Enumerable.Range(0, run.Tasks.Count).Select(index => run.Update(index, TaskState.Succeeded)));
        var random = new Random(20_24);
        var shuffled = messages.Concat(messages).OrderBy(_ => random.Next()).ToList();
        await Task.WhenAll(shuffled.Select(message => Publisher.Publish(message)));
    }

    // The consumers were stopped gracefully: what they had started they finished and acknowledged,
    // the rest went back to the queue. An empty queue means every message was consumed to the end.
    private async Task AssertEverythingConsumedAsync()
    {
        Assert.Equal(0u, await VirtualHost.QueueDepthAsync(Queue));
        var error = (await VirtualHost.ListQueuesAsync()).SingleOrDefault(queue => queue.Name == Queue + "_error");
        Assert.True(error is null || await VirtualHost.QueueDepthAsync(error.Name) == 0, "a message ended in the error queue (retries exhausted?)");
    }

    private async Task AssertNoUpdateLostAsync(RunMessages run)
    {
        var row = (await SagaRows.ReadAsync(Database, run.RunId))!;
        var state = row.State();
        Assert.Equal("Succeeded", row.CurrentState);
        Assert.Equal(run.Tasks.Count, state.Tasks.Count);
        Assert.All(run.Tasks, task =>
        {
            var record = state.Tasks[task.Id];
            Assert.Equal(TaskState.Succeeded, record.State);
            Assert.Equal(task.Name, record.Outputs["TASK"]);
        });
        var stage = Assert.Single(state.Stages);
        Assert.True(stage.Completed && stage.Succeeded);

        // Every distinct message changed the run exactly once; a duplicate wrote nothing, and an
        // attempt that lost a race wrote nothing before it was retried.
        Assert.Equal(1 + run.Tasks.Count, row.Version);
    }
}
