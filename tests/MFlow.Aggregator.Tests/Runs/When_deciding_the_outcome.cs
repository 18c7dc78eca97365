using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Tests.Runs;

public sealed class When_deciding_the_outcome
{
    static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Each case: the tasks' last reported states ("-" for never reported), whether cancellation was
    // requested, and the run's outcome ("going" while it has none).
    [Theory]
    [InlineData("compile=Succeeded unit-tests=Succeeded lint=Succeeded deploy-staging=Succeeded", false, "Succeeded")]
    [InlineData("compile=Succeeded unit-tests=Succeeded lint=Succeeded deploy-staging=-", false, "going")]
    [InlineData("compile=Succeeded unit-tests=Running lint=Succeeded deploy-staging=-", false, "going")]
    [InlineData("compile=Succeeded unit-tests=Failed lint=Succeeded deploy-staging=-", false, "Failed")]
    [InlineData("compile=Running unit-tests=- lint=- deploy-staging=-", true, "going")] // cancelling: compile still runs
    [InlineData("compile=Pending unit-tests=- lint=- deploy-staging=-", true, "going")]
    [InlineData("compile=Cancelled unit-tests=- lint=- deploy-staging=-", true, "Cancelled")]
    [InlineData("compile=Succeeded unit-tests=- lint=- deploy-staging=-", true, "Cancelled")] // between stages
    [InlineData("compile=Succeeded unit-tests=Cancelled lint=Running deploy-staging=-", true, "going")]
    [InlineData("compile=Succeeded unit-tests=Cancelled lint=Failed deploy-staging=-", true, "Cancelled")]
    public void Should_end_only_when_nothing_is_left_to_wait_for(string tasks, bool cancelRequested, string expected)
    {
        var run = new TestRun();
        var state = new PipelineRunState();
        RunProgress.ApplyPlan(state, run.Started);
        foreach (var (name, taskState) in tasks.Split(' ').Select(t => t.Split('=')).Select(p => (p[0], p[1])))
        {
            var update = taskState switch
            {
                "-" => null,
                "Succeeded" => run.Succeeded(name),
                "Failed" => run.Failed(name, exitCode: 1),
                "Cancelled" => run.Cancelled(name),
                "Running" => run.Running(name),
                _ => run.Running(name) with { State = TaskState.Pending, Sequence = 11 },
            };
            if (update is not null)
                RunProgress.ApplyTaskUpdate(state, update);
        }

        if (cancelRequested)
            RunProgress.RequestCancel(state, new CancelPipelineRun { RunId = run.RunId });
        RunProgress.CompleteStages(state, Now);

        Assert.Equal(expected, RunProgress.Outcome(state)?.ToString() ?? "going");
    }

    [Fact]
    public void Should_have_no_outcome_before_the_plan()
    {
        var run = new TestRun();
        var state = new PipelineRunState();
        foreach (var update in run.AllSucceeding())
            RunProgress.ApplyTaskUpdate(state, update);

        Assert.Null(RunProgress.Outcome(state));
    }

    [Fact]
    public void Should_keep_the_first_cancellation_request()
    {
        var state = new PipelineRunState();

        RunProgress.RequestCancel(state, new CancelPipelineRun { Reason = "  ", RequestedBy = "alice" });
        RunProgress.RequestCancel(state, new CancelPipelineRun { Reason = "second thoughts", RequestedBy = "bob" });

        Assert.True(state.CancelRequested);
        Assert.Equal("cancelled", state.CancelReason);
        Assert.Equal("alice", state.CancelRequestedBy);
    }

    [Fact]
    public void Should_list_as_active_only_reported_tasks_that_have_not_ended()
    {
        var run = new TestRun();
        var state = new PipelineRunState();
        RunProgress.ApplyPlan(state, run.Started);
        RunProgress.ApplyTaskUpdate(state, run.Succeeded("compile"));
        RunProgress.ApplyTaskUpdate(state, run.Running("unit-tests"));

        Assert.Equal(["unit-tests"], RunProgress.ActiveTasks(state).Select(t => t.Name));
    }
}
