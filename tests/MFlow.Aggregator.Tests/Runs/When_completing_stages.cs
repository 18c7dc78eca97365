using MFlow.Aggregator.Runs;
using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Tests.Runs;

public sealed class When_completing_stages
{
    static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    readonly TestRun _run = new();
    readonly PipelineRunState _state = new();

    public When_completing_stages() => RunProgress.ApplyPlan(_state, _run.Started);

    [Fact]
    public void Should_complete_a_stage_only_when_all_its_tasks_ended()
    {
        Apply(_run.Succeeded("compile"));
        Assert.Equal(["build"], Complete());

        Apply(_run.Running("unit-tests"), _run.Running("lint"), _run.Succeeded("unit-tests"));
        Assert.Empty(Complete());
        Assert.False(_state.Stages[1].Completed);

        Apply(_run.Succeeded("lint"));
        var test = Assert.Single(RunProgress.CompleteStages(_state, Now));
        Assert.Equal("test", test.Name);
        Assert.True(test.Succeeded);
        Assert.Equal(_run.Succeeded("lint").FinishedAt, test.CompletedAt);
    }

    [Fact]
    public void Should_report_a_completed_stage_once()
    {
        Apply(_run.Succeeded("compile"));
        Assert.Equal(["build"], Complete());

        Apply(_run.Succeeded("compile"), _run.Running("compile"));
        Assert.Empty(Complete());
    }

    [Fact]
    public void Should_complete_stages_in_order_when_their_updates_came_before_the_plan()
    {
        var early = new PipelineRunState();
        foreach (var update in _run.AllSucceeding().Reverse())
            RunProgress.ApplyTaskUpdate(early, update);
        Assert.Empty(RunProgress.CompleteStages(early, Now)); // no plan yet: nothing to complete

        RunProgress.ApplyPlan(early, _run.Started);

        Assert.Equal(["build", "test", "deploy"], RunProgress.CompleteStages(early, Now).Select(s => s.Name));
        Assert.Equal(RunOutcome.Succeeded, RunProgress.Outcome(early));
    }

    [Fact]
    public void Should_fail_the_stage_and_the_run_when_a_task_failed()
    {
        Apply(_run.Succeeded("compile"), _run.Succeeded("unit-tests"), _run.Failed("lint", exitCode: 3));

        Assert.Equal(["build", "test"], Complete());
        Assert.True(_state.Stages[0].Succeeded);
        Assert.False(_state.Stages[1].Succeeded);
        Assert.Equal(RunOutcome.Failed, RunProgress.Outcome(_state));

        var (stage, failures) = RunProgress.Failure(_state);
        Assert.Equal(1, stage.Index);
        var failure = Assert.Single(failures);
        Assert.Equal(_run.TaskId("lint"), failure.TaskId);
        Assert.Equal("lint", failure.TaskName);
        Assert.Equal(3, failure.ExitCode);
        Assert.Equal("Error", failure.Reason);
        Assert.Equal("Container 'main' exited with code 3.", failure.Message);
    }

    [Fact]
    public void Should_wait_for_the_other_tasks_of_a_failing_stage()
    {
        Apply(_run.Succeeded("compile"), _run.Running("unit-tests"), _run.Failed("lint", exitCode: 3));

        Assert.Equal(["build"], Complete());
        Assert.Null(RunProgress.Outcome(_state));

        Apply(_run.Succeeded("unit-tests"));
        Assert.Equal(["test"], Complete());
        Assert.Equal(RunOutcome.Failed, RunProgress.Outcome(_state));
        Assert.Equal(["lint"], RunProgress.Failure(_state).Failures.Select(f => f.TaskName));
    }

    [Fact]
    public void Should_count_a_cancelled_task_as_a_failure_of_its_stage()
    {
        Apply(_run.Succeeded("compile"), _run.Succeeded("unit-tests"), _run.Cancelled("lint"));

        Assert.Equal(["build", "test"], Complete());
        Assert.False(_state.Stages[1].Succeeded);
        Assert.Equal(RunOutcome.Failed, RunProgress.Outcome(_state));
    }

    [Fact]
    public void Should_publish_each_tasks_outputs_by_name()
    {
        Apply(
            _run.Succeeded("compile"),
            _run.Succeeded("unit-tests", outputs: new Dictionary<string, string> { ["TESTS"] = "3" }),
            _run.Succeeded("lint"));
        Complete();

        var outputs = RunProgress.StageOutputs(_state, _state.Stages[1]);

        Assert.Equal(["unit-tests", "lint"], outputs.Keys);
        Assert.Equal(new Dictionary<string, string> { ["TESTS"] = "3" }, outputs["unit-tests"]);
        Assert.Empty(outputs["lint"]);

        // A copy: what was published does not change with the state.
        _state.Tasks[_run.TaskId("unit-tests")].Outputs["TESTS"] = "4";
        Assert.Equal("3", outputs["unit-tests"]["TESTS"]);
    }

    [Fact]
    public void Should_complete_nothing_once_cancellation_was_requested()
    {
        Apply(_run.Running("compile"));
        RunProgress.RequestCancel(_state, new CancelPipelineRun { RunId = _run.RunId, Reason = "stop" });

        Apply(_run.Succeeded("compile"));

        Assert.Empty(Complete());
        Assert.Equal(RunOutcome.Cancelled, RunProgress.Outcome(_state));
    }

    void Apply(params TaskUpdated[] updates)
    {
        foreach (var update in updates)
            RunProgress.ApplyTaskUpdate(_state, update);
    }

    IEnumerable<string> Complete() => RunProgress.CompleteStages(_state, Now).Select(s => s.Name).ToList();
}
