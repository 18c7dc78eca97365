using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// Two aggregators on one queue, every update of one run arriving at once (each twice, shuffled),
/// while the machine is saturated: a busy run's messages race each other on every replica, and none
/// of them may be lost, applied twice, or faulted into the error queue because it lost a race.
/// </summary>
[Collection(AggregatorStorageCollection.Name)]
public sealed class When_task_updates_race_on_one_run(ITestOutputHelper output) : AggregatorTest
{
    private const string Queue = "mflow-aggregator";

    // The burner runs for the whole race; this bounds it should the test hang.
    private static readonly TimeSpan BurnAtMost = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Should_lose_no_update_when_two_aggregators_race_on_a_saturated_machine()
    {
        const int taskCount = 120;
        var run = new RunMessages(taskCount);
        // Only this collection runs aggregators in the test process, one test at a time.
        using var taskDurations = new RecordedMeasurements("mflow.task.duration");
        using var runsFinished = new RecordedMeasurements("mflow.runs.finished");
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, [typeof(StageCompleted), typeof(PipelineRunSucceeded)]);
        await using var first = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 16);
        await using var second = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 16);

        int published;
        using (CpuBurner.Start(BurnAtMost))
        {
            published = await PublishAllShuffledAsync(run);
            await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded");
            await Eventually.UntilAsync(() => Task.FromResult(first.Consumed + second.Consumed >= published), TimeSpan.FromSeconds(90), "every message was consumed");
        }

        await Task.WhenAll(first.StopAsync(), second.StopAsync());
        await AssertEverythingConsumedAsync();
        await AssertNoUpdateLostAsync(run, spy);
        Assert.Empty(first.Faults.Concat(second.Faults)); // not even a retried one: a lost race waits, it does not fail
        Assert.Equal(published, first.Consumed + second.Consumed);
        // Measured once per task and once for the run: what a try that lost a race counted was dropped with it.
        Assert.Equal((taskCount, 1), (taskDurations.Count, runsFinished.Count));
        output.WriteLine($"{published} messages: {first.Consumed} consumed by the first aggregator, {second.Consumed} by the second");
    }

    [Fact]
    public async Task Should_lose_no_update_across_two_aggregator_processes_on_a_saturated_machine()
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

        using (CpuBurner.Start(BurnAtMost))
        {
            await PublishAllShuffledAsync(run);
            await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded");
            await Eventually.UntilAsync(async () => await VirtualHost.QueueDepthAsync(Queue) == 0, TimeSpan.FromSeconds(90), "the queue drained");
        }

        await Task.WhenAll(first.StopAsync(), second.StopAsync());
        await AssertEverythingConsumedAsync();
        await AssertNoUpdateLostAsync(run, spy);
        Assert.DoesNotContain(await spy.MessagesAsync<PipelineRunFailed>(), e => e.RunId == run.RunId);
    }

    // The plan and every task's Running and Succeeded, each twice, plus extra copies of a few first
    // updates (their attempt's row does not exist yet, so the copies race to insert it), shuffled by a
    // fixed seed and published all at once: the broker's arrival order is the publishes' race, so the
    // seed fixes the mix, not the order. Returns how many messages went out.
    private async Task<int> PublishAllShuffledAsync(RunMessages run)
    {
        var messages = new List<object> { run.Started };
        messages.AddRange(Enumerable.Range(0, run.Tasks.Count).SelectMany(index => new object[] { run.Update(index, TaskState.Running), run.Update(index, TaskState.Succeeded) }));
        var random = new Random(20_24);
        var copies = Enumerable.Range(0, 5).SelectMany(index => Enumerable.Repeat<object>(run.Update(index, TaskState.Succeeded), 4));
        var shuffled = messages.Concat(messages).Concat(copies).OrderBy(_ => random.Next()).ToList();
        await Task.WhenAll(shuffled.Select(message => Publisher.Publish(message)));
        return shuffled.Count;
    }

    // The consumers were stopped gracefully: what they had started they finished and acknowledged,
    // the rest went back to the queue. An empty queue means every message was consumed to the end.
    private async Task AssertEverythingConsumedAsync()
    {
        Assert.Equal(0u, await VirtualHost.QueueDepthAsync(Queue));
        var error = (await VirtualHost.ListQueuesAsync()).SingleOrDefault(queue => queue.Name == Queue + "_error");
        Assert.True(error is null || await VirtualHost.QueueDepthAsync(error.Name) == 0, "a message ended in the error queue");
    }

    private async Task AssertNoUpdateLostAsync(RunMessages run, MessageSpy spy)
    {
        var state = (await StoredRuns.ReadAsync(Database, run.RunId))!.State;
        Assert.Equal("Succeeded", state.CurrentState);
        Assert.Equal(run.Tasks.Count, state.Tasks.Count);
        Assert.All(run.Tasks, task =>
        {
            var record = state.Tasks[task.Id];
            Assert.Equal(TaskState.Succeeded, record.State);
            Assert.Equal(TaskSequence.Of(1, TaskState.Succeeded), record.Sequence);
            Assert.Equal(task.Name, record.Outputs["TASK"]);
        });
        var stage = Assert.Single(state.Stages);
        Assert.True(stage.Completed && stage.Succeeded);

        // Each task counted once, whatever the copies and the races: the counter moved exactly to the
        // stage's size, and the stage and the run were announced once.
        Assert.Equal((run.Tasks.Count, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));
        await Eventually.UntilAsync(
            async () => (await spy.MessagesAsync<PipelineRunSucceeded>()).Any(e => e.RunId == run.RunId), TimeSpan.FromSeconds(30), "the run's success is heard");
        Assert.Single(await spy.MessagesAsync<StageCompleted>(), e => e.RunId == run.RunId);
        Assert.Single(await spy.MessagesAsync<PipelineRunSucceeded>(), e => e.RunId == run.RunId);
    }
}
