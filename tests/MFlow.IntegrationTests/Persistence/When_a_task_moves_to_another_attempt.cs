using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// Issue 13: the aggregator's sequence rules with attempts beyond the first. A failure with retries
/// left moves the task to its next attempt (dispatched after the backoff) instead of ending it; a
/// resume moves a failed run's failed tasks on; a stage counts each task once, by the attempt the
/// run waits for; an attempt overtaken by a later one is stopped and never counted.
/// </summary>
[Collection(AggregatorStorageCollection.Name)]
public sealed class When_a_task_moves_to_another_attempt : AggregatorTest
{
    static readonly Type[] Spied = [typeof(DispatchTaskAttempt), typeof(CancelTask), typeof(StageCompleted), typeof(PipelineRunFailed), typeof(PipelineRunSucceeded), typeof(TaskFailed)];

    [Fact]
    public async Task Should_retry_a_failure_once_per_retry_and_count_the_task_once_by_its_last_attempt()
    {
        var run = new RunMessages(2);
        var started = run.Started with
        {
            Stages = [run.Started.Stages[0] with { Tasks = [.. run.Started.Stages[0].Tasks.Select(t => t with { Retries = 2, RetryBackoff = new RetryBackoff { DelaySeconds = 0 } })] }],
        };
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, Spied);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 8);
        await Publisher.Publish(started);
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.PlanKnown, "the run is stored");

        // Attempt 1 fails, twice delivered: one retry, nothing counted.
        await Publisher.Publish(Update(run, 0, 1, TaskState.Failed));
        await Publisher.Publish(Update(run, 0, 1, TaskState.Failed));
        await Publisher.Publish(Update(run, 1, 1, TaskState.Succeeded));
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.CurrentAttempts[run.Tasks[0].Id] == 2, "the task waits for attempt 2");
        await Eventually.UntilAsync(() => Task.FromResult(aggregator.Consumed), n => n >= 4, TimeSpan.FromSeconds(30), "the updates were consumed");
        Assert.Equal((1, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));

        // Attempt 2 fails: the second retry. A late Running of attempt 1 changes nothing.
        await Publisher.Publish(Update(run, 0, 2, TaskState.Running));
        await Publisher.Publish(Update(run, 0, 2, TaskState.Failed));
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.CurrentAttempts[run.Tasks[0].Id] == 3, "the task waits for attempt 3");
        await Publisher.Publish(Update(run, 0, 1, TaskState.Running));

        // Attempt 3 succeeds: the stage and the run end, the task counted once.
        await Publisher.Publish(Update(run, 0, 3, TaskState.Succeeded));
        var done = await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded");
        Assert.Equal((2, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));
        Assert.Equal([TaskState.Failed, TaskState.Failed, TaskState.Succeeded], done!.State.Attempts[run.Tasks[0].Id].Select(a => a.State!.Value));

        var dispatches = await Eventually.UntilAsync(() => spy.MessagesAsync<DispatchTaskAttempt>(), m => m.Count >= 2, TimeSpan.FromSeconds(30), "two retries were asked for");
        Assert.Equal([2, 3], dispatches.Select(d => d.Attempt).Order());
        Assert.All(dispatches, d => Assert.Equal(("retry", run.Tasks[0].Id), (d.Cause, d.TaskId)));
        Assert.Empty(await spy.MessagesAsync<TaskFailed>()); // a failure that is retried is not the task's failure
        Assert.Empty(aggregator.Faults);
    }

    [Fact]
    public async Task Should_retry_a_failure_that_arrived_before_the_plan()
    {
        var run = new RunMessages(1);
        var started = run.Started with
        {
            Stages = [run.Started.Stages[0] with { Tasks = [run.Started.Stages[0].Tasks[0] with { Retries = 1, RetryBackoff = new RetryBackoff { DelaySeconds = 0 } }] }],
        };
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, Spied);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 8);
        await Publisher.Publish(Update(run, 0, 1, TaskState.Failed));
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.Tasks.Count == 1, "the early failure is stored");
        await Publisher.Publish(started);

        var waiting = await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.PlanKnown, "the plan is stored");
        Assert.Equal(("Running", 2), (waiting!.CurrentState, waiting.State.CurrentAttempts[run.Tasks[0].Id]));
        Assert.Equal((0, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));
        var dispatch = await Eventually.UntilAsync(() => spy.MessagesAsync<DispatchTaskAttempt>(), m => m.Count >= 1, TimeSpan.FromSeconds(30), "the retry is asked for");
        Assert.Equal(2, dispatch.Single().Attempt);

        await Publisher.Publish(Update(run, 0, 2, TaskState.Succeeded));
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the run succeeded");
        Assert.Empty(aggregator.Faults);
    }

    [Fact]
    public async Task Should_not_retry_a_failure_another_attempt_cannot_cure()
    {
        var run = new RunMessages(1);
        var started = run.Started with
        {
            Stages = [run.Started.Stages[0] with { Tasks = [run.Started.Stages[0].Tasks[0] with { Retries = 3 }] }],
        };
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, Spied);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 8);
        await Publisher.Publish(started);
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.PlanKnown, "the run is stored");

        await Publisher.Publish(Update(run, 0, 1, TaskState.Failed) with { Reason = TaskFailureReasons.ImagePullBackOff });

        var failed = await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Failed", "the run failed at once");
        Assert.Equal(1, failed!.State.CurrentAttempts[run.Tasks[0].Id]);
        Assert.Empty(await spy.MessagesAsync<DispatchTaskAttempt>());
        Assert.Empty(aggregator.Faults);
    }

    [Fact]
    public async Task Should_resume_a_failed_run_with_the_next_attempt_of_its_failed_tasks_only()
    {
        var run = new RunMessages(2);
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, Spied);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 8);
        await Publisher.Publish(run.Started);
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.PlanKnown, "the run is stored");
        await Publisher.Publish(Update(run, 0, 1, TaskState.Succeeded));
        await Publisher.Publish(Update(run, 1, 1, TaskState.Failed));
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Failed", "the run failed");

        // Twice asked: one resume.
        await Publisher.Publish(new ResumePipelineRun { RunId = run.RunId, RequestedBy = "ops" });
        await Publisher.Publish(new ResumePipelineRun { RunId = run.RunId, RequestedBy = "ops" });
        var resumed = await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Running", "the run runs again");
        Assert.Equal((1, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));
        Assert.Equal((1, 2), (resumed!.State.CurrentAttempts[run.Tasks[0].Id], resumed.State.CurrentAttempts[run.Tasks[1].Id]));
        Assert.Null(resumed.State.CompletedAt);
        Assert.Equal(("ops", 1), (resumed.State.ResumedBy, resumed.State.Resumes));

        // The failed attempt reports again (a replay): nothing changes. Attempt 2 succeeds: the run does.
        await Publisher.Publish(Update(run, 1, 1, TaskState.Failed));
        await Publisher.Publish(Update(run, 1, 2, TaskState.Running));
        await Publisher.Publish(Update(run, 1, 2, TaskState.Succeeded));
        var done = await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the resumed run succeeded");
        Assert.Equal((2, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));
        Assert.Equal(1, done!.State.Tasks[run.Tasks[0].Id].Attempt);
        Assert.Equal(1, done.State.Resumes);

        var dispatches = await spy.MessagesAsync<DispatchTaskAttempt>();
        Assert.Equal([(run.Tasks[1].Id, 2, "resume")], dispatches.Select(d => (d.TaskId, d.Attempt, d.Cause)));
        await Eventually.UntilAsync(() => spy.MessagesAsync<PipelineRunSucceeded>(), m => m.Count == 1, TimeSpan.FromSeconds(30), "the new end is announced");
        Assert.Single(await spy.MessagesAsync<PipelineRunFailed>());
        Assert.Empty(aggregator.Faults);
    }

    [Fact]
    public async Task Should_stop_an_attempt_that_runs_after_a_later_one_was_dispatched()
    {
        var run = new RunMessages(1);
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, Spied);
        await using var aggregator = await InProcessAggregator.StartAsync(VirtualHost, Database, prefetch: 8);
        await Publisher.Publish(run.Started);
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.State.PlanKnown, "the run is stored");
        // Cancelled before its worker said anything: the run ends Cancelled at once.
        await Publisher.Publish(new CancelPipelineRun { RunId = run.RunId, Reason = "wrong branch" });
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Cancelled", "the run is cancelled");
        await Publisher.Publish(new ResumePipelineRun { RunId = run.RunId });
        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Running", "the run runs again");

        // Attempt 1's command was still on its way: it starts now, and is stopped; attempt 2 decides.
        await Publisher.Publish(Update(run, 0, 1, TaskState.Running));
        var cancel = await Eventually.UntilAsync(() => spy.MessagesAsync<CancelTask>(), m => m.Count >= 1, TimeSpan.FromSeconds(30), "attempt 1 is stopped");
        Assert.Equal((1, run.Tasks[0].Id), (cancel.Single().Attempt, cancel.Single().TaskId));
        await Publisher.Publish(Update(run, 0, 1, TaskState.Cancelled));
        await Publisher.Publish(Update(run, 0, 2, TaskState.Succeeded));

        await StoredRuns.WaitUntilAsync(Database, run.RunId, row => row.CurrentState == "Succeeded", "the resumed run succeeded");
        Assert.Equal((1, 0), await StoredRuns.StageCountersAsync(Database, run.RunId, 0));
        Assert.Empty(aggregator.Faults);
    }

    static TaskUpdated Update(RunMessages run, int task, int attempt, TaskState state) => run.Update(task, state) with
    {
        Attempt = attempt,
        Sequence = TaskSequence.Of(attempt, state),
        Reason = state == TaskState.Failed ? "Error" : state == TaskState.Cancelled ? "Cancelled" : null,
        ExitCode = state == TaskState.Failed ? 1 : state == TaskState.Succeeded ? 0 : null,
    };
}
