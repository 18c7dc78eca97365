using System.Text.Json;
using System.Text.Json.Serialization;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;

namespace MFlow.IntegrationTests.Pipelines;

[Collection(SharedClusterCollection.Name)]
public sealed class When_a_pipeline_uses_when_finally_and_allowFailure(ServiceCluster cluster)
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static object Task(string name, string script, object[]? when = null, bool? allowFailure = null, Dictionary<string, string>? parameters = null) => new
    {
        name,
        kind = "build",
        @params = parameters,
        when,
        allowFailure,
        container = new { image = "alpine:3.20", command = new[] { "sh", "-c", script } },
    };

    private static object Stage(string name, object[]? when, params object[] tasks) => new { name, when, tasks };

    private static string Pipeline(string name, object[] stages, object[]? @finally = null, Dictionary<string, string>? parameters = null) =>
        JsonSerializer.Serialize(new { name, @params = parameters, stages, @finally }, _json);

    [Fact]
    public async Task Should_skip_what_its_conditions_exclude_and_what_uses_a_skipped_task_outputs_and_still_succeed()
    {
        var runId = await cluster.SubmitAsync(Pipeline("conditional",
            [
                Stage("build", null,
                    Task("compile", "printf 'IMAGE=app:1\\0' >> \"$_OUTPUT_FILE\""),
                    Task("only-in-dev", "echo dev", when: [new { input = "$(params.TARGET)", equals = "dev" }]),
                    Task("only-in-prod", "printf 'PROD=yes\\0' >> \"$_OUTPUT_FILE\"", when: [new { input = "$(params.TARGET)", @operator = "in", values = new[] { "prod", "staging" } }])),
                Stage("release", [new { input = "$(params.TARGET)", @operator = "notin", values = new[] { "dev" } }],
                    Task("publish", "echo publish")),
                Stage("check", null,
                    Task("uses-prod", "echo $P", parameters: new() { ["P"] = "$(tasks.only-in-prod.outputs.PROD)" }),
                    Task("uses-image", "echo $I", when: [new { input = "$(tasks.compile.outputs.IMAGE)", @operator = "in", values = new[] { "app:1" } }])),
            ],
            parameters: new() { ["TARGET"] = "dev" }), "application/json");

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal("Succeeded", run.Task("only-in-dev").State);
        var prod = run.Task("only-in-prod");
        Assert.Equal(("Skipped", "WhenConditionsNotMet"), (prod.State, prod.Reason));
        Assert.Contains("$(params.TARGET) in [prod, staging]", prod.Message);
        var publish = run.Task("publish");
        Assert.Equal(("Skipped", "WhenConditionsNotMet"), (publish.State, publish.Reason));
        Assert.Contains("stage 'release'", publish.Message);
        Assert.Equal("Succeeded", run.Stage("release").State);
        var usesProd = run.Task("uses-prod");
        Assert.Equal(("Skipped", "OutputsUnavailable"), (usesProd.State, usesProd.Reason));
        Assert.Contains("only-in-prod", usesProd.Message);
        Assert.Equal("Succeeded", run.Task("uses-image").State);

        // A skipped task never reached a worker.
        Assert.DoesNotContain(await cluster.Spy.MessagesAsync<RunBuildTask>(), c => c.TaskId == prod.Id || c.TaskId == publish.Id || c.TaskId == usesProd.Id);
    }

    [Fact]
    public async Task Should_run_finally_after_a_failure_keep_the_run_failed_and_announce_its_end_once_after_finally()
    {
        var runId = await cluster.SubmitAsync(Pipeline("cleanup-after-failure",
            [
                Stage("test", null, Task("unit", "echo broken >&2; exit 4")),
                Stage("deploy", null, Task("ship", "echo never")),
            ],
            [
                Stage("cleanup", null,
                    Task("tidy", "echo tidy"),
                    Task("report", "echo $R", parameters: new() { ["R"] = "$(tasks.ship.outputs.URL)" })),
                Stage("notify", null, Task("tell", "echo told")),
            ]), "application/json");

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Failed", Runs.Summary(run));
        Assert.Equal(["Failed", "Waiting", "Succeeded", "Succeeded"], run.Stages.Select(s => s.State));
        Assert.Equal([null, null, true, true], run.Stages.Select(s => s.Finally));
        Assert.Equal("Waiting", run.Task("ship").State);
        Assert.Equal("Succeeded", run.Task("tidy").State);
        Assert.Equal(("Skipped", "OutputsUnavailable"), (run.Task("report").State, run.Task("report").Reason));
        Assert.Equal("Succeeded", run.Task("tell").State);

        var failed = Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunFailed>(e => e.RunId == runId, "the run's failure"));
        Assert.Equal(0, failed.StageIndex);
        Assert.Equal(("unit", 4), (Assert.Single(failed.FailedTasks).TaskName, Assert.Single(failed.FailedTasks).ExitCode));
        var told = (await cluster.Spy.MessagesAsync<TaskUpdated>()).Single(u => u.TaskId == run.Task("tell").Id && u.State == TaskState.Succeeded);
        // The database keeps microseconds, the worker's clock ticks finer.
        Assert.True(failed.CompletedAt >= told.FinishedAt - TimeSpan.FromMilliseconds(1), $"the run ended ({failed.CompletedAt:O}) before its last finally task ({told.FinishedAt:O})");
        Assert.DoesNotContain(await cluster.Spy.MessagesAsync<RunBuildTask>(), c => c.TaskId == run.Task("ship").Id);
    }

    [Fact]
    public async Task Should_run_finally_after_a_success_and_fail_the_run_when_finally_fails()
    {
        var succeeded = await cluster.SubmitAsync(Pipeline("cleanup-after-success",
            [Stage("build", null, Task("compile", "echo ok"))],
            [Stage("cleanup", null, Task("tidy", "echo tidy"))]), "application/json");
        var failing = await cluster.SubmitAsync(Pipeline("cleanup-fails",
            [Stage("build", null, Task("compile", "echo ok"))],
            [Stage("cleanup", null, Task("tidy", "exit 9"))]), "application/json");

        var run = await cluster.WaitUntilFinalAsync(succeeded);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal("Succeeded", run.Task("tidy").State);
        Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunSucceeded>(e => e.RunId == succeeded, "the run's success"));

        var failed = await cluster.WaitUntilFinalAsync(failing);
        Assert.True(failed.State == "Failed", Runs.Summary(failed));
        var failure = Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunFailed>(e => e.RunId == failing, "the run's failure"));
        Assert.Equal(("tidy", 9), (Assert.Single(failure.FailedTasks).TaskName, Assert.Single(failure.FailedTasks).ExitCode));
        Assert.DoesNotContain(await cluster.Spy.MessagesAsync<PipelineRunSucceeded>(), e => e.RunId == failing);
    }

    [Fact]
    public async Task Should_go_on_past_a_task_allowed_to_fail_mark_it_and_end_succeeded()
    {
        var runId = await cluster.SubmitAsync(Pipeline("flaky-lint",
            [
                Stage("check", null,
                    Task("lint", "echo style >&2; exit 2", allowFailure: true),
                    Task("unit", "echo ok")),
                Stage("deploy", null, Task("ship", "echo shipped")),
            ]), "application/json");

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        var lint = run.Task("lint");
        Assert.Equal(("Failed", 2, true), (lint.State, lint.ExitCode, lint.AllowedFailure));
        Assert.Null(run.Task("unit").AllowedFailure);
        Assert.Equal("Succeeded", run.Stage("check").State);
        Assert.Equal("Succeeded", run.Task("ship").State);
        var announced = Assert.Single(await cluster.WaitForMessagesAsync<TaskFailed>(e => e.RunId == runId, "the allowed failure"));
        Assert.True(announced.AllowedFailure);
    }
}
