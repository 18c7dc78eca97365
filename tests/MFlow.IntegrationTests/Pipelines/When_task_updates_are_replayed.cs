using System.Text.Json;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Pipelines;

[Collection(SharedClusterCollection.Name)]
public sealed class When_task_updates_are_replayed(ServiceCluster cluster)
{
    private const string AggregatorQueue = "mflow-aggregator";

    [Fact]
    public async Task Should_leave_the_stored_runs_unchanged_and_publish_nothing()
    {
        var succeeding = await cluster.SubmitAsync(Document("replayed-success",
            Stage("build", ShellTask("compile", "build", "printf 'IMAGE=app:1\\0' >> \"$_OUTPUT_FILE\"")),
            Stage("deliver",
                ShellTask("deploy", "deploy", "printf 'ROLLED_OUT=true\\0' >> \"$_OUTPUT_FILE\""),
                ShellTask("configure", "vm", "printf 'HOSTS=2\\0' >> \"$_OUTPUT_FILE\"")),
            Stage("verify", ShellTask("smoke-test", "build", "echo ok"))), "application/json");
        var failing = await cluster.SubmitAsync(Document("replayed-failure",
            Stage("build", ShellTask("compile", "build", "printf 'IMAGE=app:2\\0' >> \"$_OUTPUT_FILE\"")),
            Stage("deliver",
                ShellTask("deploy", "deploy", "echo deployed"),
                ShellTask("configure", "vm", "echo 'no route to vm-2' >&2; exit 3")),
            Stage("verify", ShellTask("smoke-test", "build", "echo ok"))), "application/json");
        RunSnapshot[] before = [await SettleAsync(succeeding, "Succeeded"), await SettleAsync(failing, "Failed")];
        var runIds = new HashSet<Guid> { succeeding, failing };
        var updates = (await cluster.Spy.MessagesAsync<TaskUpdated>()).Where(update => runIds.Contains(update.RunId)).ToList();
        Assert.Equal(2 * (4 + 3), updates.Count); // Running and a terminal state for each task that ran
        var eventsBefore = await RunEventsAsync(runIds);
        var faultsBefore = await ErrorQueueDepthAsync();

        // With the aggregator stopped, the replayed updates wait in its queue: the broker, not the
        // test's timing, says when every one of them was consumed.
        await cluster.Aggregator.StopAsync();
        var bus = await cluster.BusAsync();
        var replay = Enumerable.Reverse(updates).Concat(Enumerable.Reverse(updates)).ToList();
        foreach (var update in replay)
            await bus.Publish(update);
        Assert.Equal((uint)replay.Count, await cluster.VirtualHost.QueueDepthAsync(AggregatorQueue));
        await ConsumeEverythingAsync();

        RunSnapshot[] after = [await SnapshotAsync(succeeding), await SnapshotAsync(failing)];
        Assert.Equal(before[0], after[0]);
        Assert.Equal(before[1], after[1]);
        Assert.Equal(eventsBefore, await RunEventsAsync(runIds));
        Assert.Equal(faultsBefore, await ErrorQueueDepthAsync());
    }

    // Waits until the run is final and its terminal event is out, then snapshots it.
    private async Task<RunSnapshot> SettleAsync(Guid runId, string expectedState)
    {
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == expectedState, Runs.Summary(run));
        await Eventually.UntilAsync(
            async () => (await RunEventsAsync([runId])).Any(e => e.StartsWith("PipelineRun", StringComparison.Ordinal)),
            ServiceCluster.RunTimeout,
            $"run {runId}'s terminal event is published");
        return await SnapshotAsync(runId);
    }

    private async Task<RunSnapshot> SnapshotAsync(Guid runId)
    {
        var row = await cluster.ReadRunStateAsync(runId) ?? throw new InvalidOperationException($"run {runId} has no stored state");
        return new RunSnapshot(JsonSerializer.Serialize(await cluster.GetRunAsync(runId)), row.Rows);
    }

    // Starts the aggregator, lets it drain its queue, and stops it again; a graceful stop finishes
    // (and acknowledges) the messages in hand and returns the others to the queue, so an empty
    // queue after the stop means every message was consumed to the end. Leaves it running.
    private async Task ConsumeEverythingAsync()
    {
        for (var round = 1; ; round++)
        {
            await cluster.Aggregator.RestartAsync();
            await cluster.Aggregator.WaitUntilHealthyAsync(ServiceCluster.StartTimeout);
            await Eventually.UntilAsync(
                async () => await cluster.VirtualHost.QueueDepthAsync(AggregatorQueue) == 0,
                ServiceCluster.RunTimeout,
                "the aggregator took every replayed update");
            await cluster.Aggregator.StopAsync();
            if (await cluster.VirtualHost.QueueDepthAsync(AggregatorQueue) == 0)
                break;
            Assert.True(round < 5, "the aggregator kept returning replayed updates to its queue");
        }

        await cluster.Aggregator.RestartAsync();
        await cluster.Aggregator.WaitUntilHealthyAsync(ServiceCluster.StartTimeout);
    }

    // Everything the aggregator publishes about these runs, in a comparable form.
    private async Task<List<string>> RunEventsAsync(IReadOnlyCollection<Guid> runIds)
    {
        var events = new List<string>();
        events.AddRange((await cluster.Spy.MessagesAsync<StageCompleted>()).Where(e => runIds.Contains(e.RunId)).Select(e => $"StageCompleted {e.RunId} {e.StageIndex} {e.Succeeded}"));
        events.AddRange((await cluster.Spy.MessagesAsync<PipelineRunSucceeded>()).Where(e => runIds.Contains(e.RunId)).Select(e => $"PipelineRunSucceeded {e.RunId}"));
        events.AddRange((await cluster.Spy.MessagesAsync<PipelineRunFailed>()).Where(e => runIds.Contains(e.RunId)).Select(e => $"PipelineRunFailed {e.RunId}"));
        events.AddRange((await cluster.Spy.MessagesAsync<CancelTask>()).Where(e => runIds.Contains(e.RunId)).Select(e => $"CancelTask {e.RunId} {e.TaskId}"));
        events.Sort(StringComparer.Ordinal);
        return events;
    }

    // Counted by the broker now (the management API's statistics lag); the queue exists once something faulted.
    private async Task<uint> ErrorQueueDepthAsync()
    {
        try
        {
            return await cluster.VirtualHost.QueueDepthAsync(AggregatorQueue + "_error");
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    // The run as GET /api/v1/runs/{id} shows it, and every row the aggregator keeps of it.
    private sealed record RunSnapshot(string View, string Rows);
}
