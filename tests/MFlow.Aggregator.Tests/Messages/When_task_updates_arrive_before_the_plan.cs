using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

public sealed class When_task_updates_arrive_before_the_plan : RunSpec
{
    [Fact]
    public async Task Should_wait_for_the_plan_then_end_right()
    {
        // The workers' updates travel on another queue and can all beat PipelineRunStarted here.
        await PublishAndWait(Run.AllSucceeding().Cast<object>().ToArray());
        await WaitForState(RunStates.AwaitingPlan);
        Assert.Empty(Published<StageCompleted>());

        await Publish(Run.Started);

        await WaitForState(RunStates.Succeeded);
        var stages = Published<StageCompleted>();
        Assert.Equal([0, 1, 2], stages.Select(s => s.StageIndex));
        Assert.All(stages, s => Assert.True(s.Succeeded));
        Assert.Equal("compile-ok", stages[0].Outputs["compile"]["RESULT"]);
        Assert.Single(Published<PipelineRunSucceeded>());
    }

    [Fact]
    public async Task Should_go_on_when_only_some_came_first()
    {
        await PublishAndWait(Run.Succeeded("compile"), Run.Running("compile"));

        await Publish(Run.Started);

        var build = await WaitForPublished<StageCompleted>(s => s.StageIndex == 0);
        Assert.True(build.Succeeded);
        await WaitForState(RunStates.Running);

        await Publish(Run.Running("unit-tests"), Run.Succeeded("unit-tests"), Run.Running("lint"), Run.Succeeded("lint"),
            Run.Running("deploy-staging"), Run.Succeeded("deploy-staging"));

        await WaitForState(RunStates.Succeeded);
        Assert.Equal([0, 1, 2], Published<StageCompleted>().Select(s => s.StageIndex));
        Assert.Single(Published<PipelineRunSucceeded>());
    }
}
