using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

/// <summary>When a run has an outcome, and what its stages report on the way.</summary>
public sealed class When_a_run_ends : RunSpec
{
    // Each case: the tasks' last reported states ("-" for never reported), whether cancellation was
    // requested after them, and the run's stored state.
    [Theory]
    [InlineData("compile=Succeeded unit-tests=Succeeded lint=Succeeded deploy-staging=Succeeded", false, "Succeeded")]
    [InlineData("compile=Succeeded unit-tests=Succeeded lint=Succeeded deploy-staging=-", false, "Running")]
    [InlineData("compile=Succeeded unit-tests=Running lint=Succeeded deploy-staging=-", false, "Running")]
    [InlineData("compile=Succeeded unit-tests=Failed lint=Succeeded deploy-staging=-", false, "Failed")]
    [InlineData("compile=Succeeded unit-tests=Cancelled lint=Succeeded deploy-staging=-", false, "Failed")] // a cancelled task fails its stage
    [InlineData("compile=Running unit-tests=- lint=- deploy-staging=-", true, "Cancelling")] // compile still runs
    [InlineData("compile=Pending unit-tests=- lint=- deploy-staging=-", true, "Cancelling")]
    [InlineData("compile=Cancelled unit-tests=- lint=- deploy-staging=-", true, "Failed")] // it failed before the request came
    [InlineData("compile=Succeeded unit-tests=- lint=- deploy-staging=-", true, "Cancelled")] // between stages
    [InlineData("compile=Succeeded unit-tests=Cancelled lint=Running deploy-staging=-", true, "Cancelling")]
    public async Task Should_end_only_when_nothing_is_left_to_wait_for(string tasks, bool cancelRequested, string expected)
    {
        await PublishAndWait(Run.Started);
        foreach (var (name, state) in tasks.Split(' ').Select(t => t.Split('=')).Select(p => (p[0], p[1])).Where(p => p.Item2 != "-"))
        {
            await PublishAndWait(state switch
            {
                "Succeeded" => Run.Succeeded(name),
                "Failed" => Run.Failed(name, exitCode: 1),
                "Cancelled" => Run.Cancelled(name),
                "Running" => Run.Running(name),
                _ => Run.Running(name) with { State = TaskState.Pending, Sequence = 11 },
            });
        }

        if (cancelRequested)
            await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId });

        await WaitForState(expected);
    }

    [Fact]
    public async Task Should_publish_each_tasks_outputs_by_name()
    {
        await PublishAndWait(Run.Started, Run.Succeeded("compile"));
        await PublishAndWait(Run.Succeeded("unit-tests", outputs: new Dictionary<string, string> { ["TESTS"] = "3" }), Run.Succeeded("lint"));

        var test = await WaitForPublished<StageCompleted>(s => s.StageIndex == 1);

        Assert.Equal(["lint", "unit-tests"], test.Outputs.Keys.Order());
        Assert.Equal(new Dictionary<string, string> { ["TESTS"] = "3" }, test.Outputs["unit-tests"]);
        Assert.Empty(test.Outputs["lint"]);
        Assert.True(test.Succeeded);
        Assert.Equal("test", test.StageName);
        Assert.Equal(Run.Succeeded("lint").FinishedAt, test.CompletedAt);
    }

    [Fact]
    public async Task Should_complete_nothing_once_cancellation_was_requested()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"));
        await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId, Reason = "stop" });

        await PublishAndWait(Run.Succeeded("compile"));

        await WaitForState(RunStates.Cancelled);
        Assert.Empty(Published<StageCompleted>());
    }

    [Fact]
    public async Task Should_keep_the_first_cancellation_request()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"));

        await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId, Reason = "  ", RequestedBy = "alice" });
        await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId, Reason = "second thoughts", RequestedBy = "bob" });

        var state = (await StateAsync())!;
        Assert.True(state.CancelRequested);
        Assert.Equal("cancelled", state.CancelReason);
        Assert.Equal("alice", state.CancelRequestedBy);
        Assert.Equal("cancelled", Assert.Single(Published<CancelTask>()).Reason);
    }

    [Fact]
    public async Task Should_ignore_a_cancellation_of_a_finished_run()
    {
        await PublishAndWait([Run.Started, .. Run.AllSucceeding()]);
        await WaitForState(RunStates.Succeeded);

        await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId, Reason = "too late" });

        var state = (await StateAsync())!;
        Assert.Equal(RunStates.Succeeded, state.CurrentState);
        Assert.False(state.CancelRequested);
        Assert.Empty(Published<PipelineRunCancelled>());
    }
}
