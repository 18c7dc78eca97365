using System.Text.Json;
using System.Text.RegularExpressions;
using MFlow.Cli.Tests.Support;
using MFlow.Testing;

namespace MFlow.Cli.Tests;

/// <summary><c>mflow run start -f ... --watch</c> against a served API: live progress, then an exit code that says how the run ended.</summary>
[Collection(ServedApiCollection.Name)]
public sealed partial class When_watching_a_run_from_the_cli(ServedApi api)
{
    // Quotes, a colon and a comment sign: YAML syntax, were the value pasted into the request's text.
    const string HostileValue = "cli\"x: y #z 'w'";

    [Fact]
    public async Task Should_show_progress_and_exit_0_when_the_run_succeeds()
    {
        using var mflow = api.Cli();

        var result = await mflow.RunAsync("run", "start", "-f", RepositoryPaths.Combine("examples", "pipelines", "hello.yaml"), "-p", $"APP={HostileValue}", "--watch");

        Assert.True(result.ExitCode == 0, result.ToString());
        var runId = RunIdLine().Match(result.Stdout).Groups[1].Value;
        Assert.True(runId.Length > 0, result.ToString());
        // Plain lines (the output is not a terminal), one per change, each task's success with its duration.
        foreach (var task in new[] { "build/compile", "test/unit-tests", "test/lint", "deploy/deploy-staging", "rollout/vm-rollout" })
            Assert.Contains(result.Lines, l => Regex.IsMatch(l, $@"^\[\s*\d+\.\ds\] {Regex.Escape(task)} Succeeded in \d"));
        Assert.Contains(result.Lines, l => l.EndsWith("] stage rollout succeeded", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.EndsWith("] run Succeeded", StringComparison.Ordinal));
        Assert.Matches($@"^Run {runId} \(hello\) succeeded in [0-9.ms]+\.$", result.Lines.Last(l => l.Length > 0));

        // The -p param reached the run as it was typed (the request carries it as data): the build's output names it.
        var shown = await mflow.RunAsync("run", "get", runId, "-o", "json");
        var compile = JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("stages")[0].GetProperty("tasks")[0];
        Assert.Equal($"registry.example.com/{HostileValue}:1.0.0", compile.GetProperty("outputs").GetProperty("IMAGE").GetString());
    }

    [Fact]
    public async Task Should_exit_1_naming_the_failed_task_when_the_run_fails()
    {
        using var mflow = api.Cli();

        var result = await mflow.RunAsync("run", "start", "-f", RepositoryPaths.Combine("examples", "pipelines", "fails.yaml"), "--watch");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^\[\s*\d+\.\ds\] test/flaky-test Failed"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^Run [0-9a-f-]{36} \(fails\) failed in [0-9.ms]+\.$"));
        Assert.Contains("Task 'flaky-test' (stage 'test') failed: exited with code 3", result.Stdout);
        Assert.Contains("assertion failed: expected 2, got 3", result.Stdout);
        Assert.DoesNotContain(result.Lines, l => l.Contains("deploy-staging Running", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_print_only_the_final_run_as_json_and_still_exit_by_its_state()
    {
        using var mflow = api.Cli();

        var result = await mflow.RunAsync("run", "start", "-f", RepositoryPaths.Combine("examples", "pipelines", "fails.yaml"), "--watch", "-o", "json");

        Assert.True(result.ExitCode == 1, result.ToString());
        var run = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("Failed", run.GetProperty("state").GetString());
        Assert.Equal("fails", run.GetProperty("pipeline").GetString());
    }

    [Fact]
    public async Task Should_follow_a_run_started_elsewhere_and_print_its_logs()
    {
        using var mflow = api.Cli();
        var started = await mflow.RunAsync("run", "start", "-f", RepositoryPaths.Combine("examples", "pipelines", "hello.yaml"), "-o", "json");
        Assert.True(started.ExitCode == 0, started.ToString());
        var runId = JsonDocument.Parse(started.Stdout).RootElement.GetProperty("id").GetString()!;

        var watched = await mflow.RunAsync("run", "watch", runId);
        var logs = await mflow.RunAsync("run", "logs", runId, "unit-tests");

        Assert.True(watched.ExitCode == 0, watched.ToString());
        Assert.Contains($"Run {runId} (hello) succeeded", watched.Stdout);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Contains("ok - dispatch", logs.Stdout);
    }

    [GeneratedRegex(@"^Run ([0-9a-f-]{36}) started\.$", RegexOptions.Multiline)]
    private static partial Regex RunIdLine();
}
