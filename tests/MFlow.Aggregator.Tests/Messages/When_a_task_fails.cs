using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

public sealed class When_a_task_fails : RunSpec
{
    [Fact]
    public async Task Should_fail_its_stage_and_the_run_naming_the_task_and_exit_code()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"), Run.Succeeded("compile"));
        await WaitForPublished<StageCompleted>(s => s.StageIndex == 0);

        await Publish(Run.Running("unit-tests"), Run.Running("lint"), Run.Succeeded("unit-tests"), Run.Failed("lint", exitCode: 3));

        var test = await WaitForPublished<StageCompleted>(s => s.StageIndex == 1);
        Assert.False(test.Succeeded);
        Assert.Equal("test", test.StageName);
        var failed = await WaitForPublished<PipelineRunFailed>();
        Assert.Equal("hello", failed.PipelineName);
        Assert.Equal(1, failed.StageIndex);
        var failure = Assert.Single(failed.FailedTasks);
        Assert.Equal(Run.TaskId("lint"), failure.TaskId);
        Assert.Equal("lint", failure.TaskName);
        Assert.Equal(3, failure.ExitCode);
        Assert.Equal("Container 'main' exited with code 3.", failure.Message);
        await WaitForState(RunStates.Failed);

        // Nothing after the failed stage: no further stage completes, the run does not end twice.
        await PublishAndWait(Run.Failed("lint", exitCode: 3), Run.Running("lint"), Run.Succeeded("unit-tests"));
        Assert.Equal([0, 1], Published<StageCompleted>().Select(s => s.StageIndex));
        Assert.Single(Published<PipelineRunFailed>());
        Assert.Empty(Published<PipelineRunSucceeded>());
        Assert.Empty(Published<CancelTask>());
        Assert.Equal(TaskState.Failed, (await StateAsync())!.Tasks[Run.TaskId("lint")].State);
    }

    [Fact]
    public async Task Should_wait_for_the_rest_of_the_stage_before_failing()
    {
        await PublishAndWait(Run.Started, Run.Succeeded("compile"));

        await PublishAndWait(Run.Running("unit-tests"), Run.Failed("lint", exitCode: 3));
        Assert.Equal([0], Published<StageCompleted>().Select(s => s.StageIndex));
        Assert.Empty(Published<PipelineRunFailed>());

        await Publish(Run.Succeeded("unit-tests"));

        var failed = await WaitForPublished<PipelineRunFailed>();
        Assert.Equal(["lint"], failed.FailedTasks.Select(f => f.TaskName));
        await WaitForState(RunStates.Failed);
    }
}
