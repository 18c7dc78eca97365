using System.Text.RegularExpressions;
using MFlow.Standalone.Commands;
using MFlow.Standalone.Tests.Support;

namespace MFlow.Standalone.Tests;

// In-process: the whole embedded default (scheduler, aggregator, three workers on the in-memory
// bus, SQLite, local executor) runs each pipeline for real. One class, so runs do not overlap.
public sealed class When_running_a_pipeline_file
{
    [Fact]
    public async Task Should_run_hello_to_success_printing_progress_and_a_summary()
    {
        var (exitCode, output) = await Run(Repository.Example("hello.yaml"));

        Assert.True(exitCode == 0, output.Text);
        Assert.StartsWith("MFlow standalone: running 'hello' from hello.yaml (in-memory bus, SQLite, local executor)", output.Lines[0]);
        // Task output lines go straight to the console and may come first; transitions come after the run's header.
        var header = output.Progress.ToList().FindIndex(l => Regex.IsMatch(l, "^▶ run [0-9a-f-]{36} of 'hello': 4 stages, 5 tasks$"));
        Assert.True(header >= 0, output.Text);
        Assert.True(header < output.Progress.ToList().FindIndex(l => l.Contains(" ● ", StringComparison.Ordinal)), output.Text);

        Assert.Equal(
            [
                "compile ● build running",
                "compile ● build succeeded",
                "unit-tests ● build running",
                "unit-tests ● build succeeded",
                "lint ● build running",
                "lint ● build succeeded",
                "deploy-staging ● deploy running",
                "deploy-staging ● deploy succeeded",
                "vm-rollout ● vm running",
                "vm-rollout ● vm succeeded",
            ],
            output.Transitions.Select(t => Regex.Replace(t, " in [0-9.]+s.*$", "")).OrderBy(PipelineOrder));
        Assert.Contains(output.Transitions, t => Regex.IsMatch(t, @"^compile ● build succeeded in [0-9.]+s → IMAGE=registry\.example\.com/hello:1\.0\.0, DIGEST=sha256:[0-9a-f]{30}\.\.\.$"));
        Assert.Equal(
            ["■ stage 1 'build' succeeded", "■ stage 2 'test' succeeded", "■ stage 3 'deploy' succeeded", "■ stage 4 'rollout' succeeded"],
            output.Progress.Where(l => l.StartsWith('■')));
        Assert.Contains(output.Progress, l => Regex.IsMatch(l, "^✔ run [0-9a-f-]{36} succeeded$"));
        Assert.Contains("  deploy-staging       │ would run: kubectl -n staging set image Deployment/hello app=registry.example.com/hello:1.0.0", output.Progress);

        var summary = output.Summary;
        Assert.Equal(["compile", "unit-tests", "lint", "deploy-staging", "vm-rollout"], summary.Keys);
        Assert.All(summary.Values, row => Assert.Equal(("Succeeded", "0"), (row.State, row.Exit)));
        Assert.Equal(["build", "test", "test", "deploy", "rollout"], summary.Values.Select(r => r.Stage));
        Assert.Equal(["build", "build", "build", "deploy", "vm"], summary.Values.Select(r => r.Kind));
        Assert.Matches(@"^IMAGE=registry\.example\.com/hello:1\.0\.0, DIGEST=sha256:[0-9a-f]{38}\.\.\.$", summary["compile"].Detail);
        Assert.Equal("TESTS=3", summary["unit-tests"].Detail);
        Assert.Equal("", summary["lint"].Detail);
        Assert.Equal("ROLLED_OUT=true", summary["deploy-staging"].Detail);
        Assert.Equal("HOSTS_DONE=2", summary["vm-rollout"].Detail);
        Assert.Matches(@"^Run [0-9a-f-]{36} succeeded in [0-9.]+s\.$", output.Lines.Last(l => l.Length > 0));
    }

    [Fact]
    public async Task Should_let_run_time_params_win()
    {
        var (exitCode, output) = await Run(Repository.Example("hello.yaml"), "APP=world");

        Assert.True(exitCode == 0, output.Text);
        Assert.StartsWith("IMAGE=registry.example.com/world:1.0.0, ", output.Summary["compile"].Detail);
        Assert.Contains("  vm-rollout           │ deploying world to vm-2", output.Progress);
    }

    [Fact]
    public async Task Should_fail_naming_the_task_and_never_run_what_follows()
    {
        var (exitCode, output) = await Run(Repository.Example("fails.yaml"));

        Assert.True(exitCode == 1, output.Text);
        Assert.Contains("flaky-test ● build FAILED (exit 3): Container 'main' exited with code 3.", output.Transitions);
        Assert.Contains("  flaky-test           │ assertion failed: expected 2, got 3", output.Progress);
        Assert.Equal(["■ stage 1 'build' succeeded", "■ stage 2 'test' failed"], output.Progress.Where(l => l.StartsWith('■')));
        Assert.Contains(output.Progress, l => Regex.IsMatch(l, "^✘ run [0-9a-f-]{36} failed$"));
        Assert.DoesNotContain(output.Progress, l => l.Contains("deploy-staging", StringComparison.Ordinal) || l.Contains("this never runs", StringComparison.Ordinal));

        var summary = output.Summary;
        Assert.Equal(new SummaryRow("build", "compile", "build", "Succeeded", "0", ""), summary["compile"]);
        Assert.Equal(new SummaryRow("test", "flaky-test", "build", "Failed", "3", "Container 'main' exited with code 3."), summary["flaky-test"]);
        Assert.Equal(new SummaryRow("deploy", "deploy-staging", "deploy", "Waiting", "", ""), summary["deploy-staging"]);
        Assert.Matches(@"^Run [0-9a-f-]{36} failed in [0-9.]+s\.$", output.Lines.Single(l => l.StartsWith("Run ", StringComparison.Ordinal)));
        Assert.Equal("Task 'flaky-test' (stage 'test') failed: exited with code 3", output.Lines.Last(l => l.Length > 0));
    }

    [Fact]
    public async Task Should_retry_a_failing_task_locally_as_new_attempts_after_its_backoff()
    {
        var counter = Path.Combine(Path.GetTempPath(), $"mflow-retries-{Guid.NewGuid():N}");
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"retries-{Guid.NewGuid():N}.yaml"));
        await File.WriteAllTextAsync(file.FullName, $$"""
            name: retries-locally
            stages:
              - name: test
                tasks:
                  - name: flaky
                    kind: build
                    retries: 2
                    retryBackoff: { delay: 1s, factor: 1 }
                    container:
                      image: busybox:1.36
                      command: [sh, -c, 'n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNTER"; if [ $n -lt 3 ]; then echo "try $n fails"; exit 1; fi; echo "try $n works"']
                      env: { COUNTER: "{{counter}}" }
            """);
        try
        {
            var (exitCode, output) = await Run(file);

            Assert.True(exitCode == 0, output.Text);
            Assert.Equal(
                [
                    "flaky ● build running",
                    "flaky ● build FAILED (exit 1): Container 'main' exited with code 1.",
                    "flaky ● build running [attempt 2]",
                    "flaky ● build FAILED (exit 1): Container 'main' exited with code 1. [attempt 2]",
                    "flaky ● build running [attempt 3]",
                    "flaky ● build succeeded [attempt 3]",
                ],
                output.Transitions.Select(t => Regex.Replace(t, " in [0-9.]+s", "")));
            Assert.Equal("3", (await File.ReadAllTextAsync(counter)).Trim());
            Assert.Equal(("Succeeded", "0"), (output.Summary["flaky"].State, output.Summary["flaky"].Exit));
        }
        finally
        {
            file.Delete();
            File.Delete(counter);
        }
    }

    [Fact]
    public async Task Should_refuse_a_missing_file()
    {
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"no-such-pipeline-{Guid.NewGuid():N}.yaml"));

        var (exitCode, output) = await Run(file);

        Assert.Equal(2, exitCode);
        Assert.Equal($"Cannot run {file.Name}:\n  pipeline: There is no file {file.FullName}.\n", output.Text);
    }

    [Theory]
    [InlineData(
        "name: broken\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: docker\n        container: {image: alpine:3.20, command: [true]}\n",
        "  stages[0].tasks[0].kind: Unknown job kind 'docker': expected build, deploy or vm.")]
    [InlineData(
        "name: broken\nstages:\n  - name: build\n    tasks: []\n",
        "  stages[0].tasks: A stage needs at least one task.")]
    [InlineData(
        "name: broken\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        colour: red\n",
        "  pipeline: Malformed document at line 7, column 9: Unknown field 'colour'.")]
    public async Task Should_refuse_an_invalid_pipeline_naming_the_field(string yaml, string problem)
    {
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml"));
        await File.WriteAllTextAsync(file.FullName, yaml);
        try
        {
            var (exitCode, output) = await Run(file);

            Assert.Equal(2, exitCode);
            Assert.Equal($"Cannot run {file.Name}:\n{problem}\n", output.Text);
        }
        finally
        {
            file.Delete();
        }
    }

    [Theory]
    [InlineData("oops", "  --param: 'oops' is not NAME=value.")]
    [InlineData("_JOB_ID=mine", "  params._JOB_ID: '_JOB_ID' is a system variable; it cannot be set.")]
    public async Task Should_refuse_an_invalid_param(string param, string problem)
    {
        var (exitCode, output) = await Run(Repository.Example("hello.yaml"), param);

        Assert.Equal(2, exitCode);
        Assert.Equal($"Cannot run hello.yaml:\n{problem}\n", output.Text);
    }

    static async Task<(int ExitCode, RunOutput Output)> Run(FileInfo file, params string[] parameters)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exitCode = await RunCommand.ExecuteAsync(file, parameters, quiet: false, database: null, writer, timeout.Token);
        return (exitCode, new RunOutput(writer.ToString()));
    }

    // Transitions grouped by task in pipeline order, running before succeeded.
    static int PipelineOrder(string transition)
    {
        string[] order = ["compile", "unit-tests", "lint", "deploy-staging", "vm-rollout"];
        var name = transition[..transition.IndexOf(' ')];
        return Array.IndexOf(order, name) * 10 + (transition.EndsWith("running", StringComparison.Ordinal) ? 0 : 1);
    }
}
