using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

public sealed class When_a_run_succeeds : RunSpec
{
    [Fact]
    public async Task Should_complete_each_stage_in_order_and_the_run_once()
    {
        await Publish(Run.Started);
        await WaitForState(RunStates.Running);

        // Stage by stage, as the scheduler dispatches them: the next starts once the previous completed.
        foreach (var stage in Run.Stages)
        {
            foreach (var task in stage.Tasks)
                await Publish(Run.Running(task.Name));
            foreach (var task in stage.Tasks)
                await Publish(Run.Succeeded(task.Name, outputs: TestRun.OutputsOf(task.Name)));
            var completed = await WaitForPublished<StageCompleted>(s => s.StageIndex == stage.Index);

            Assert.True(completed.Succeeded);
            Assert.Equal(stage.Name, completed.StageName);
            Assert.Equal(stage.Tasks.Select(t => t.Name), completed.Outputs.Keys);
            foreach (var task in stage.Tasks)
                Assert.Equal($"{task.Name}-ok", completed.Outputs[task.Name]["RESULT"]);
        }

        await WaitForState(RunStates.Succeeded);
        Assert.Equal([0, 1, 2], Published<StageCompleted>().Select(s => s.StageIndex));
        var succeeded = Assert.Single(Published<PipelineRunSucceeded>());
        Assert.Equal("hello", succeeded.PipelineName);
        Assert.Equal(Run.Started.StartedAt, succeeded.StartedAt);
        Assert.Equal(Run.Succeeded("deploy-staging").FinishedAt, succeeded.CompletedAt);
        Assert.Empty(Published<PipelineRunFailed>());
        Assert.Empty(Published<CancelTask>());

        var state = (await StateAsync())!;
        Assert.All(state.Stages, s => Assert.True(s.Completed && s.Succeeded));
        Assert.All(state.Tasks.Values, t => Assert.Equal(TaskState.Succeeded, t.State));
        Assert.Equal(succeeded.CompletedAt, state.CompletedAt);
    }

    [Fact]
    public async Task Should_not_complete_a_stage_while_one_of_its_tasks_runs()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"), Run.Succeeded("compile"));
        await WaitForPublished<StageCompleted>(s => s.StageIndex == 0);

        await PublishAndWait(Run.Running("unit-tests"), Run.Running("lint"), Run.Succeeded("unit-tests"));

        Assert.Equal([0], Published<StageCompleted>().Select(s => s.StageIndex));
        await WaitForState(RunStates.Running);
    }
}
