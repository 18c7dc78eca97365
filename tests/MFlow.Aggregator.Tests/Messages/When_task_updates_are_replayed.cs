using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

public sealed class When_task_updates_are_replayed : RunSpec
{
    [Fact]
    public async Task Should_change_nothing_after_success()
    {
        var updates = Run.AllSucceeding();
        await PublishAndWait([Run.Started, .. updates]);
        await WaitForState(RunStates.Succeeded);

        await ReplayAndAssertNothingChanged(updates);
    }

    [Fact]
    public async Task Should_change_nothing_after_failure()
    {
        TaskUpdated[] updates =
        [
            Run.Running("compile"), Run.Succeeded("compile", outputs: TestRun.OutputsOf("compile")),
            Run.Running("unit-tests"), Run.Running("lint"),
            Run.Succeeded("unit-tests", outputs: TestRun.OutputsOf("unit-tests")), Run.Failed("lint", exitCode: 3),
        ];
        await PublishAndWait([Run.Started, .. updates]);
        await WaitForState(RunStates.Failed);

        await ReplayAndAssertNothingChanged(updates);
        Assert.Equal(3, (await StateAsync())!.Tasks[Run.TaskId("lint")].ExitCode);
    }

    [Fact]
    public async Task Should_change_nothing_mid_run()
    {
        TaskUpdated[] updates = [Run.Running("compile"), Run.Succeeded("compile", outputs: TestRun.OutputsOf("compile")), Run.Running("unit-tests")];
        await PublishAndWait([Run.Started, .. updates]);
        await WaitForPublished<StageCompleted>(s => s.StageIndex == 0);

        await ReplayAndAssertNothingChanged(updates);
        Assert.Equal(TaskState.Running, (await StateAsync())!.Tasks[Run.TaskId("unit-tests")].State);
    }

    // Every update twice, newest first: the stored state (tasks' states, exit codes, outputs,
    // stage results) stays byte for byte the same and no event is published again.
    async Task ReplayAndAssertNothingChanged(IReadOnlyList<TaskUpdated> updates)
    {
        var before = await SnapshotAsync();
        var stages = Published<StageCompleted>().Count;
        var ended = Published<PipelineRunSucceeded>().Count + Published<PipelineRunFailed>().Count + Published<PipelineRunCancelled>().Count;

        var replay = updates.Reverse().SelectMany(u => new object[] { u, u }).ToArray();
        await PublishAndWait(replay);

        Assert.Equal(before, await SnapshotAsync());
        Assert.Equal(stages, Published<StageCompleted>().Count);
        Assert.Equal(ended, Published<PipelineRunSucceeded>().Count + Published<PipelineRunFailed>().Count + Published<PipelineRunCancelled>().Count);
        Assert.Empty(Published<CancelTask>());
    }
}
