using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using MFlow.Standalone.Tests.Support;
using MFlow.Testing;

namespace MFlow.Standalone.Tests;

public sealed class When_running_the_readme_command
{
    // The test's own build configuration: the test command builds everything (Release in
    // scripts/test.sh) before testing, so the standalone is already built in this configuration.
    static readonly string Configuration =
        typeof(When_running_the_readme_command).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    [Fact]
    public async Task Should_run_hello_from_the_repository_root_and_exit_0()
    {
        var start = new ProcessStartInfo(ServiceProcess.DotnetHost())
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // dotnet run --project services/MFlow.Standalone -- run examples/pipelines/hello.yaml
        foreach (var arg in (string[])["run", "--project", "services/MFlow.Standalone", "-c", Configuration, "--no-build", "--", "run", "examples/pipelines/hello.yaml"])
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet run did not finish in 3 minutes.\n{await stdout}\n{await stderr}");
        }

        var output = new RunOutput(await stdout);
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{await stderr}");
        Assert.Equal("MFlow standalone: running 'hello' from hello.yaml (in-memory bus, SQLite, local executor)", output.Lines[0]);
        Assert.Contains(output.Progress, l => Regex.IsMatch(l, "^✔ run [0-9a-f-]{36} succeeded$"));
        Assert.Equal(["compile", "unit-tests", "lint", "deploy-staging", "vm-rollout"], output.Summary.Keys);
        Assert.All(output.Summary.Values, row => Assert.Equal("Succeeded", row.State));
        Assert.Equal("HOSTS_DONE=2", output.Summary["vm-rollout"].Detail);
        Assert.Matches(@"^Run [0-9a-f-]{36} succeeded in [0-9.]+s\.$", output.Lines.Last(l => l.Length > 0));
    }
}
