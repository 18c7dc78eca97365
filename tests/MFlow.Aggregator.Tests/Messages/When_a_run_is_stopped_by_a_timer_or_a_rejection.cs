using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

/// <summary>StopPipelineRun: a run or stage timeout, or a rejected approval, stops the run like a cancellation and ends it Failed or Rejected.</summary>
public sealed class When_a_run_is_stopped_by_a_timer_or_a_rejection : RunSpec
{
    StopPipelineRun Timeout(int? unlessStageCompleted = null) => new()
    {
        RunId = Run.RunId, Outcome = "Failed", Reason = "Timeout", Message = "The run's timeout (5m) expired.", UnlessStageCompleted = unlessStageCompleted,
    };

    [Fact]
    public async Task Should_cancel_the_running_tasks_and_fail_the_run_with_reason_timeout_once_they_stopped()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"));

        await PublishAndWait(Timeout());

        var cancel = await WaitForPublished<CancelTask>();
        Assert.Equal((Run.TaskId("compile"), "The run's timeout (5m) expired."), (cancel.TaskId, cancel.Reason));
        await WaitForState(RunStates.Cancelling);
        await PublishAndWait(Run.Cancelled("compile"));
        await WaitForState(RunStates.Failed);
        var failed = Assert.Single(Published<PipelineRunFailed>());
        Assert.Equal(("Timeout", "The run's timeout (5m) expired.", 0), (failed.Reason, failed.Message, failed.StageIndex));
        Assert.Equal("compile", Assert.Single(failed.FailedTasks).TaskName);
        Assert.Equal("Timeout", (await StateAsync())!.EndReason);
        Assert.Empty(Published<StageCompleted>());
    }

    [Fact]
    public async Task Should_end_a_run_with_nothing_running_rejected_at_once()
    {
        await PublishAndWait(Run.Started, Run.Succeeded("compile"));

        await PublishAndWait(new StopPipelineRun { RunId = Run.RunId, Outcome = "Rejected", Reason = "Rejected", Message = "Stage 'test' was rejected by ops", RequestedBy = "ops" });

        await WaitForState(RunStates.Rejected);
        var failed = Assert.Single(Published<PipelineRunFailed>());
        Assert.Equal(("Rejected", 1), (failed.Reason, failed.StageIndex));
        Assert.Empty(Published<CancelTask>());
    }

    [Fact]
    public async Task Should_ignore_a_stage_timer_that_comes_after_its_stage_completed()
    {
        await PublishAndWait(Run.Started, Run.Succeeded("compile"), Run.Running("lint"));

        await PublishAndWait(Timeout(unlessStageCompleted: 0));

        Assert.Equal(RunStates.Running, (await StateAsync())!.CurrentState);
        Assert.Empty(Published<CancelTask>());
        Assert.Null((await StateAsync())!.EndReason);
    }

    [Fact]
    public async Task Should_leave_a_run_that_ended_or_is_being_cancelled_as_it_is()
    {
        await PublishAndWait(Run.Started, Run.Running("compile"), new CancelPipelineRun { RunId = Run.RunId, Reason = "changed my mind" });

        await PublishAndWait(Timeout(), Timeout());
        await PublishAndWait(Run.Cancelled("compile"));

        await WaitForState(RunStates.Cancelled);
        Assert.Empty(Published<PipelineRunFailed>());
        Assert.Single(Published<CancelTask>());
    }
}
