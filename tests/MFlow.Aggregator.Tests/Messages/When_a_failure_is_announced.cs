using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

public sealed class When_a_failure_is_announced : RunSpec
{
    [Fact]
    public async Task Should_announce_the_task_once_and_carry_what_a_notification_needs_in_the_run_failure()
    {
        var started = Run.Started with { IdempotencyKey = "release-42", Trigger = "push to main", TriggeredBy = "release-bot" };
        await PublishAndWait(started, Run.Succeeded("compile"));
        await WaitForPublished<StageCompleted>(s => s.StageIndex == 0);

        await Publish(Run.Running("lint"), Run.Failed("lint", exitCode: 3), Run.Succeeded("unit-tests"));

        var failed = await WaitForPublished<PipelineRunFailed>();
        Assert.Equal(("release-42", "push to main", "release-bot"), (failed.IdempotencyKey, failed.Trigger, failed.TriggeredBy));
        Assert.Equal(failed.CompletedAt - failed.StartedAt, failed.Duration);
        Assert.True(failed.Duration > TimeSpan.Zero);
        var failure = Assert.Single(failed.FailedTasks);
        Assert.Equal(("lint", 1, "Error"), (failure.TaskName, failure.Attempt, failure.Reason));
        Assert.Equal("assertion failed: expected 2, got 3", failure.LogTail);

        var taskFailed = Assert.Single(Published<TaskFailed>());
        Assert.Equal((Run.RunId, "hello", 1), (taskFailed.RunId, taskFailed.PipelineName, taskFailed.StageIndex));
        Assert.Equal((Run.TaskId("lint"), 3, "assertion failed: expected 2, got 3"), (taskFailed.Task.TaskId, taskFailed.Task.ExitCode, taskFailed.Task.LogTail));
        Assert.Equal(("release-42", "push to main", "release-bot"), (taskFailed.IdempotencyKey, taskFailed.Trigger, taskFailed.TriggeredBy));
        Assert.Null(taskFailed.RunUrl); // no MFlow:Api:PublicUrl here

        // The same failure again (a redelivery) announces nothing more.
        await PublishAndWait(Run.Failed("lint", exitCode: 3));
        Assert.Single(Published<TaskFailed>());
        Assert.Single(Published<PipelineRunFailed>());
    }

    [Fact]
    public async Task Should_carry_the_trigger_and_duration_in_a_success()
    {
        await PublishAndWait(Run.Started with { Trigger = "schedule", TriggeredBy = "cron" },
            Run.Succeeded("compile"), Run.Succeeded("unit-tests"), Run.Succeeded("lint"), Run.Succeeded("deploy-staging"));

        var succeeded = await WaitForPublished<PipelineRunSucceeded>();
        Assert.Equal(("schedule", "cron"), (succeeded.Trigger, succeeded.TriggeredBy));
        Assert.Equal(succeeded.CompletedAt - succeeded.StartedAt, succeeded.Duration);
        Assert.Empty(Published<TaskFailed>());
    }

    [Fact]
    public void Should_bound_a_log_tail_to_its_last_lines_and_characters()
    {
        var lines = string.Join('\n', Enumerable.Range(1, 100).Select(i => $"line {i}"));
        Assert.Equal(Enumerable.Range(81, 20).Select(i => $"line {i}"), RunProgress.BoundedLogTail(lines)!.Split('\n'));

        var wide = new string('x', 10_000) + "END";
        var bounded = RunProgress.BoundedLogTail(wide)!;
        Assert.Equal(TaskFailure.MaxLogTailLength, bounded.Length);
        Assert.EndsWith("END", bounded);
        Assert.Null(RunProgress.BoundedLogTail(null));
    }
}
