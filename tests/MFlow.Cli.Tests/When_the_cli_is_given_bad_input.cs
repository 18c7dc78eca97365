using MFlow.Cli.Tests.Support;
using MFlow.Testing;

namespace MFlow.Cli.Tests;

/// <summary>Usage errors and refusals of the API: exit code 2, and a message that says what to fix.</summary>
[Collection(ServedApiCollection.Name)]
public sealed class When_the_cli_is_given_bad_input(ServedApi api)
{
    [Fact]
    public async Task Should_print_the_problem_details_of_an_invalid_pipeline_and_exit_2()
    {
        using var mflow = api.Cli();
        var file = Path.Combine(Path.GetTempPath(), $"mflow-cli-bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "name: bad\nstages:\n  - name: s\n    tasks:\n      - name: Not_A_Name\n        kind: build\n        container: {image: alpine, command: [true]}\n");
        try
        {
            var result = await mflow.RunAsync("run", "start", "-f", file, "--watch");

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("The pipeline run request is not valid. (HTTP 400, POST /api/v1/runs)", result.Stderr);
            Assert.Contains("  stages[0].tasks[0].name: 'Not_A_Name' is not a valid task name", result.Stderr);
            Assert.Equal("", result.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Should_name_an_unknown_run_param_and_exit_2()
    {
        using var mflow = api.Cli();

        var result = await mflow.RunAsync("run", "start", "-f", RepositoryPaths.Combine("examples", "pipelines", "hello.yaml"), "-p", "_JOB_TASK_ID=forged");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("(HTTP 400, POST /api/v1/runs)", result.Stderr);
        Assert.Contains("_JOB_TASK_ID", result.Stderr);
    }

    [Theory]
    [InlineData("run start -f examples/pipelines/no-such.yaml", "There is no file")]
    [InlineData("run start -f examples/pipelines/hello.yaml -p APP", "-p 'APP' is not NAME=VALUE.")]
    [InlineData("run start", "Give either a pipeline document (-f FILE) or a stored pipeline's name")]
    [InlineData("run list -o xml", "'xml' is not an output format: expected table, json or yaml.")]
    [InlineData("run get not-a-run-id", "not-a-run-id")]
    [InlineData("run frobnicate", "Unrecognized command or argument 'frobnicate'")]
    [InlineData("run", "Required command was not provided.")]
    [InlineData("run get 00000000-0000-0000-0000-000000000001", "(HTTP 404, GET /api/v1/runs/00000000-0000-0000-0000-000000000001)")]
    [InlineData("job get nosuch@nowhere.test:v1", "No job 'nosuch@nowhere.test:v1'.")]
    public async Task Should_say_what_is_wrong_and_exit_2(string commandLine, string expected)
    {
        using var mflow = api.Cli();

        var result = await mflow.RunAsync(commandLine.Split(' '));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr);
    }

    [Fact]
    public async Task Should_refuse_a_wrong_key_readably_without_printing_it()
    {
        using var mflow = api.Cli(key: "not-the-right-key-0123456789");

        var result = await mflow.RunAsync("run", "list");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("(HTTP 401, GET /api/v1/runs?limit=50)", result.Stderr);
        Assert.Contains("The API key was not accepted", result.Stderr);
        Assert.DoesNotContain("not-the-right-key", result.Stderr + result.Stdout);
    }

    [Fact]
    public async Task Should_say_how_to_log_in_when_nothing_names_a_server()
    {
        using var mflow = new Mflow();

        var result = await mflow.RunAsync("run", "list");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("run 'mflow login --server URL --key KEY' first, or set MFLOW_SERVER and MFLOW_KEY", result.Stderr);
    }
}
