using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Tests.Runs;

/// <summary>The rule one attempt's row follows (RunProgress.ApplyTaskUpdate), without a database.</summary>
public sealed class When_applying_task_updates
{
    readonly TestRun _run = new();

    // Each step is a state of attempt 1; the attempt ends in the state of the newest update (by
    // sequence), whatever order the updates arrived in.
    [Theory]
    [InlineData("Running Succeeded", "Succeeded")]
    [InlineData("Succeeded Running", "Succeeded")] // a late Running changes nothing
    [InlineData("Pending Running Pending", "Running")]
    [InlineData("Running Failed Running", "Failed")]
    [InlineData("Failed Succeeded", "Failed")] // the first terminal state of an attempt stands
    [InlineData("Cancelled Failed Succeeded", "Cancelled")]
    public void Should_keep_the_newest_state_by_sequence(string steps, string expected)
    {
        TaskRecord? attempt = null;
        foreach (var step in steps.Split(' '))
            attempt = RunProgress.ApplyTaskUpdate(attempt, Update(Enum.Parse<TaskState>(step))) ?? attempt;

        Assert.Equal(expected, attempt!.State.ToString());
    }

    [Fact]
    public void Should_ignore_a_duplicate()
    {
        var succeeded = _run.Succeeded("compile", outputs: new Dictionary<string, string> { ["IMAGE"] = "registry/app:1" });
        var attempt = RunProgress.ApplyTaskUpdate(null, succeeded);

        Assert.NotNull(attempt);
        Assert.Null(RunProgress.ApplyTaskUpdate(attempt, succeeded with { Outputs = new Dictionary<string, string> { ["IMAGE"] = "registry/app:2" } }));
        Assert.Equal("registry/app:1", attempt.Outputs["IMAGE"]);
    }

    [Fact]
    public void Should_not_let_a_late_running_undo_success()
    {
        var succeeded = _run.Succeeded("compile", outputs: TestRun.OutputsOf("compile"));
        var attempt = RunProgress.ApplyTaskUpdate(null, succeeded)!;

        Assert.Null(RunProgress.ApplyTaskUpdate(attempt, _run.Running("compile")));
        Assert.Equal(TaskState.Succeeded, attempt.State);
        Assert.Equal(0, attempt.ExitCode);
        Assert.Equal(succeeded.FinishedAt, attempt.FinishedAt);
        Assert.Equal("Completed.", attempt.Message);
        Assert.Equal("compile-ok", attempt.Outputs["RESULT"]);
    }

    [Fact]
    public void Should_keep_what_an_earlier_state_said_and_the_later_one_does_not()
    {
        var running = RunProgress.ApplyTaskUpdate(null, _run.Running("compile") with { Outputs = new Dictionary<string, string> { ["EARLY"] = "1" } })!;

        var ended = RunProgress.ApplyTaskUpdate(running, _run.Succeeded("compile", outputs: TestRun.OutputsOf("compile")) with { StartedAt = null })!;

        Assert.Equal(running.StartedAt, ended.StartedAt);
        Assert.Equal(new Dictionary<string, string> { ["EARLY"] = "1", ["RESULT"] = "compile-ok" }, ended.Outputs);
        Assert.Equal("compile", ended.Name);
        Assert.Equal(1, ended.Attempt);
    }

    [Fact]
    public void Should_keep_a_sent_cancellation()
    {
        var running = RunProgress.ApplyTaskUpdate(null, _run.Running("compile"))!;
        running.CancelSent = true;

        Assert.True(RunProgress.ApplyTaskUpdate(running, _run.Cancelled("compile"))!.CancelSent);
    }

    TaskUpdated Update(TaskState state) => state switch
    {
        TaskState.Running => _run.Running("compile"),
        TaskState.Succeeded => _run.Succeeded("compile"),
        TaskState.Failed => _run.Failed("compile", exitCode: 1),
        TaskState.Cancelled => _run.Cancelled("compile"),
        _ => _run.Running("compile") with { State = state, Sequence = 11, StartedAt = null },
    };
}
