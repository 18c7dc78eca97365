using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Tests.Runs;

public sealed class When_applying_task_updates
{
    readonly TestRun _run = new();

    // Each step is State@Attempt; the task ends in the state and attempt of the newest update
    // (by sequence), whatever order the updates arrived in.
    [Theory]
    [InlineData("Running@1 Succeeded@1", "Succeeded@1")]
    [InlineData("Succeeded@1 Running@1", "Succeeded@1")] // a late Running changes nothing
    [InlineData("Pending@1 Running@1 Pending@1", "Running@1")]
    [InlineData("Running@1 Failed@1 Running@1", "Failed@1")]
    [InlineData("Failed@1 Succeeded@1", "Failed@1")] // the first terminal state of an attempt stands
    [InlineData("Running@1 Failed@1 Running@2", "Running@2")] // a new attempt replaces the old one
    [InlineData("Running@2 Failed@1 Succeeded@1", "Running@2")] // an old attempt's news is late
    [InlineData("Running@2 Succeeded@2 Running@2 Succeeded@2", "Succeeded@2")]
    public void Should_keep_the_newest_state_by_sequence(string steps, string expected)
    {
        var state = new PipelineRunState();
        foreach (var step in steps.Split(' '))
            RunProgress.ApplyTaskUpdate(state, Update(step));

        var task = state.Tasks[_run.TaskId("compile")];
        Assert.Equal(expected, $"{task.State}@{task.Attempt}");
    }

    [Fact]
    public void Should_ignore_a_duplicate()
    {
        var state = new PipelineRunState();
        var succeeded = _run.Succeeded("compile", outputs: new Dictionary<string, string> { ["IMAGE"] = "registry/app:1" });

        Assert.True(RunProgress.ApplyTaskUpdate(state, succeeded));
        Assert.False(RunProgress.ApplyTaskUpdate(state, succeeded with { Outputs = new Dictionary<string, string> { ["IMAGE"] = "registry/app:2" } }));

        var task = state.Tasks[_run.TaskId("compile")];
        Assert.Equal(TaskState.Succeeded, task.State);
        Assert.Equal("registry/app:1", task.Outputs["IMAGE"]);
    }

    [Fact]
    public void Should_not_let_a_late_running_undo_success()
    {
        var state = new PipelineRunState();
        var succeeded = _run.Succeeded("compile", outputs: TestRun.OutputsOf("compile"));
        RunProgress.ApplyTaskUpdate(state, succeeded);

        Assert.False(RunProgress.ApplyTaskUpdate(state, _run.Running("compile")));

        var task = state.Tasks[_run.TaskId("compile")];
        Assert.Equal(TaskState.Succeeded, task.State);
        Assert.Equal(0, task.ExitCode);
        Assert.Equal(succeeded.FinishedAt, task.FinishedAt);
        Assert.Equal("Completed.", task.Message);
        Assert.Equal("compile-ok", task.Outputs["RESULT"]);
    }

    [Fact]
    public void Should_start_a_new_attempt_from_a_clean_slate()
    {
        var state = new PipelineRunState();
        RunProgress.ApplyTaskUpdate(state, _run.Running("lint"));
        var failed = _run.Failed("lint", exitCode: 3) with { Outputs = new Dictionary<string, string> { ["PARTIAL"] = "yes" } };
        RunProgress.ApplyTaskUpdate(state, failed);
        state.Tasks[_run.TaskId("lint")].CancelSent = true;

        Assert.True(RunProgress.ApplyTaskUpdate(state, _run.Running("lint", attempt: 2)));

        var task = state.Tasks[_run.TaskId("lint")];
        Assert.Equal(TaskState.Running, task.State);
        Assert.Equal(2, task.Attempt);
        Assert.Null(task.ExitCode);
        Assert.Null(task.FinishedAt);
        Assert.Null(task.Reason);
        Assert.Null(task.Message);
        Assert.Null(task.LogTail); // the failed attempt's output is not the new attempt's
        Assert.Empty(task.Outputs);
        Assert.False(task.CancelSent);

        RunProgress.ApplyTaskUpdate(state, _run.Succeeded("lint", attempt: 2, outputs: new Dictionary<string, string> { ["WARNINGS"] = "0" }));
        Assert.Equal(TaskState.Succeeded, task.State);
        Assert.Equal(0, task.ExitCode);
        Assert.Equal(new Dictionary<string, string> { ["WARNINGS"] = "0" }, task.Outputs);
    }

    [Fact]
    public void Should_keep_updates_that_came_before_the_plan()
    {
        var state = new PipelineRunState();
        RunProgress.ApplyTaskUpdate(state, _run.Running("unit-tests"));
        RunProgress.ApplyTaskUpdate(state, _run.Succeeded("compile", outputs: TestRun.OutputsOf("compile")));

        RunProgress.ApplyPlan(state, _run.Started);

        Assert.True(state.PlanKnown);
        Assert.Equal("hello", state.PipelineName);
        Assert.Equal(_run.Started.StartedAt, state.StartedAt);
        Assert.Equal(["build", "test", "deploy"], state.Stages.Select(s => s.Name));
        Assert.Equal([_run.TaskId("unit-tests"), _run.TaskId("lint")], state.Stages[1].TaskIds);
        Assert.Equal(4, state.Tasks.Count);

        var compile = state.Tasks[_run.TaskId("compile")];
        Assert.Equal((TaskState?)TaskState.Succeeded, compile.State);
        Assert.Equal(0, compile.StageIndex);
        Assert.Equal("compile-ok", compile.Outputs["RESULT"]);
        var unitTests = state.Tasks[_run.TaskId("unit-tests")];
        Assert.Equal((TaskState?)TaskState.Running, unitTests.State);
        Assert.Equal(1, unitTests.StageIndex);
        Assert.Equal("ci", unitTests.Target.Namespace);
        var deploy = state.Tasks[_run.TaskId("deploy-staging")];
        Assert.Null(deploy.State);
        Assert.Equal(JobKind.Deploy, deploy.Kind);
        Assert.Equal(2, deploy.StageIndex);
    }

    [Fact]
    public void Should_take_the_first_plan_only()
    {
        var state = new PipelineRunState();
        RunProgress.ApplyPlan(state, _run.Started);

        RunProgress.ApplyPlan(state, _run.Started with { PipelineName = "other", Stages = [] });

        Assert.Equal("hello", state.PipelineName);
        Assert.Equal(3, state.Stages.Count);
    }

    TaskUpdated Update(string step)
    {
        var parts = step.Split('@');
        var attempt = int.Parse(parts[1]);
        return Enum.Parse<TaskState>(parts[0]) switch
        {
            TaskState.Running => _run.Running("compile", attempt),
            TaskState.Succeeded => _run.Succeeded("compile", attempt),
            TaskState.Failed => _run.Failed("compile", exitCode: 1, attempt),
            TaskState.Cancelled => _run.Cancelled("compile", attempt),
            var state => _run.Running("compile", attempt) with { State = state, Sequence = attempt * 10L + 1, StartedAt = null },
        };
    }
}
