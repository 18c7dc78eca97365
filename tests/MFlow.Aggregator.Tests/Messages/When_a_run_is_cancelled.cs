using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

public sealed class When_a_run_is_cancelled : RunSpec
{
    [Fact]
    public async Task Should_cancel_the_running_task_then_end_cancelled_when_it_stopped()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"));

        await Publish(new CancelPipelineRun { RunId = Run.RunId, Reason = "wrong branch", RequestedBy = "alice" });

        var cancel = await WaitForPublished<CancelTask>();
        Assert.Equal(Run.TaskId("compile"), cancel.TaskId);
        Assert.Equal(JobKind.Build, cancel.Kind);
        Assert.Equal(1, cancel.Attempt);
        Assert.Equal("ci", cancel.Target.Namespace);
        Assert.Equal("wrong branch", cancel.Reason);
        await WaitForState(RunStates.Cancelling);
        Assert.Empty(Published<PipelineRunCancelled>());

        // Asking again does not cancel the task again.
        await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId, Reason = "again" });
        Assert.Single(Published<CancelTask>());

        await Publish(Run.Cancelled("compile"));

        var cancelled = await WaitForPublished<PipelineRunCancelled>();
        Assert.Equal("hello", cancelled.PipelineName);
        Assert.Equal("wrong branch", cancelled.Reason);
        Assert.Equal("alice", cancelled.RequestedBy);
        await WaitForState(RunStates.Cancelled);
        Assert.Empty(Published<StageCompleted>());
        Assert.Empty(Published<PipelineRunFailed>());
        Assert.Empty(Published<PipelineRunSucceeded>());
    }

    [Fact]
    public async Task Should_cancel_a_task_that_starts_afterwards()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"), Run.Succeeded("compile"));
        await WaitForPublished<StageCompleted>(s => s.StageIndex == 0);

        // Between stages nothing runs, so the run ends at once...
        await Publish(new CancelPipelineRun { RunId = Run.RunId, Reason = "release withdrawn" });
        await WaitForPublished<PipelineRunCancelled>();
        await WaitForState(RunStates.Cancelled);
        Assert.Empty(Published<CancelTask>());

        // ...but the next stage's dispatch crossed the cancellation: its task starts, and is stopped.
        await Publish(Run.Running("unit-tests"));

        var cancel = await WaitForPublished<CancelTask>();
        Assert.Equal(Run.TaskId("unit-tests"), cancel.TaskId);
        Assert.Equal("release withdrawn", cancel.Reason);

        await PublishAndWait(Run.Running("unit-tests"), Run.Cancelled("unit-tests"));
        Assert.Single(Published<CancelTask>());
        Assert.Single(Published<PipelineRunCancelled>());
        Assert.Equal([0], Published<StageCompleted>().Select(s => s.StageIndex));
        await WaitForState(RunStates.Cancelled);
    }

    [Fact]
    public async Task Should_end_cancelled_when_cancelled_before_the_plan_arrived()
    {
        await PublishAndWait(new CancelPipelineRun { RunId = Run.RunId, Reason = "never mind" }, Run.Running("compile"));
        await WaitForState(RunStates.AwaitingPlan);

        await Publish(Run.Started);

        var cancel = await WaitForPublished<CancelTask>();
        Assert.Equal(Run.TaskId("compile"), cancel.TaskId);
        await WaitForState(RunStates.Cancelling);

        await Publish(Run.Cancelled("compile"));

        await WaitForPublished<PipelineRunCancelled>(c => c.Reason == "never mind");
        await WaitForState(RunStates.Cancelled);
    }
}
