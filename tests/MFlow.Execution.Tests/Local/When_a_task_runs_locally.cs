using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

public sealed class When_a_task_runs_locally : ExecutorSpec
{
    [Fact]
    public async Task Should_report_running_then_succeeded_with_its_outputs_and_log_tail()
    {
        var command = Script("""
            echo "building app"
            printf 'IMAGE=%s\0' registry.example.com/app:1.0.0 >> "$_OUTPUT_FILE"
            printf 'DIGEST=sha256:0123abcd\0' >> "$_OUTPUT_FILE"
            printf 'not an output\0' >> "$_OUTPUT_FILE"
            echo "done" >&2
            """);

        var last = await Run(command);

        Assert.Equal(["Running@1", "Succeeded@1"], States(command));
        var running = Updates(command)[0];
        Assert.Equal(12, running.Sequence);
        Assert.NotNull(running.StartedAt);
        Assert.Null(running.FinishedAt);

        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Equal(13, last.Sequence);
        Assert.Equal(command.RunId, last.RunId);
        Assert.Equal("compile", last.TaskName);
        Assert.Equal(JobKind.Build, last.Kind);
        Assert.Equal("test-worker", last.Worker);
        Assert.Equal(0, last.ExitCode);
        Assert.Null(last.Reason);
        Assert.Equal("Completed.", last.Message);
        Assert.Equal(
            new Dictionary<string, string> { ["IMAGE"] = "registry.example.com/app:1.0.0", ["DIGEST"] = "sha256:0123abcd" },
            last.Outputs);
        Assert.Contains("building app", last.LogTail!.Split('\n'));
        Assert.Contains("done", last.LogTail.Split('\n'));
        Assert.Equal(running.StartedAt, last.StartedAt);
        Assert.True(last.FinishedAt >= last.StartedAt);

        Assert.Contains("[main] building app", last.Log);
        Assert.False(last.LogTruncated);
    }

    [Fact]
    public async Task Should_mask_the_task_secrets_in_the_log_it_reports()
    {
        var command = Script("echo \"login with $REGISTRY_PASSWORD\"; echo \"token=$_JOB_TASK_UPDATE_TOKEN\"; cat \"$KUBECONFIG\"; exit 1") with
        {
            SecretValues = new Dictionary<string, string>
            {
                ["REGISTRY_PASSWORD"] = "hunter2-registry",
                [SecretKeys.UpdateToken] = "tok-0123456789",
                [SecretKeys.Kubeconfig] = "apiVersion: v1\nclient-key-data: c2VjcmV0LWtleS1kYXRh\n",
            },
        };

        var last = await Run(command);

        Assert.Equal(TaskState.Failed, last.State);
        foreach (var reported in new[] { last.Log!, last.LogTail! })
        {
            Assert.Contains("login with ***", reported);
            Assert.Contains("token=***", reported);
            Assert.DoesNotContain("hunter2-registry", reported);
            Assert.DoesNotContain("tok-0123456789", reported);
            Assert.DoesNotContain("c2VjcmV0LWtleS1kYXRh", reported);
            Assert.Contains("apiVersion: v1", reported); // what is no credential stays readable
        }
    }

    [Fact]
    public async Task Should_mask_a_secret_before_cutting_the_log_so_no_cut_leaves_part_of_it()
    {
        // Each cut (the tail's last 4,096 characters, the log's last MiB) runs through a password
        // printed there: its last 6 characters, "-ZQXJ9", were readable when the log was cut first.
        const string Password = "hunter2-registry-ZQXJ9";
        const string Prefix = "[main] ";
        var tailLine = Password.Length + LogTail.MaxChars - 6;
        var logFiller = TaskUpdated.MaxLogLength - 6 - 1 - (Prefix.Length + tailLine + 1);
        var command = Script($$"""
            printf '%s' "$REGISTRY_PASSWORD"; head -c {{logFiller}} /dev/zero | tr '\0' B; echo
            printf '%s' "$REGISTRY_PASSWORD"; head -c {{LogTail.MaxChars - 6}} /dev/zero | tr '\0' A; echo
            exit 1
            """) with
        {
            SecretValues = new Dictionary<string, string> { ["REGISTRY_PASSWORD"] = Password },
        };

        var last = await Run(command);

        Assert.Equal(TaskState.Failed, last.State);
        Assert.True(last.LogTruncated);
        Assert.DoesNotContain("ZQXJ9", last.LogTail);
        Assert.EndsWith("***" + new string('A', LogTail.MaxChars - 6), last.LogTail);
        Assert.DoesNotContain("ZQXJ9", last.Log);
        Assert.EndsWith($"{Prefix}***{new string('A', LogTail.MaxChars - 6)}\n", last.Log);
        // Still (nearly) a whole MiB: masks are shorter than what they hide, and the cut password's piece is dropped.
        Assert.InRange(last.Log!.Length, TaskUpdated.MaxLogLength - 3 * Password.Length, TaskUpdated.MaxLogLength);
    }

    [Fact]
    public async Task Should_fail_with_the_exit_code_and_say_so()
    {
        var command = Script("echo 'assertion failed: expected 2, got 3' >&2; exit 3");

        var last = await Run(command);

        Assert.Equal(["Running@1", "Failed@1"], States(command));
        Assert.Equal(3, last.ExitCode);
        Assert.Equal("Error", last.Reason);
        Assert.Equal("Container 'main' exited with code 3.", last.Message);
        Assert.Equal("assertion failed: expected 2, got 3", last.LogTail);
        Assert.NotNull(last.FinishedAt);
    }

    [Fact]
    public async Task Should_keep_the_outputs_a_failing_task_wrote()
    {
        var command = Script("printf 'PARTIAL=yes\\0' >> \"$_OUTPUT_FILE\"; exit 1");

        var last = await Run(command);

        Assert.Equal(TaskState.Failed, last.State);
        Assert.Equal("yes", last.Outputs["PARTIAL"]);
    }

    [Theory]
    [InlineData("/no/such/program", "No such file or directory")]
    [InlineData("mflow-no-such-tool", "No such file or directory")]
    public async Task Should_fail_readably_when_the_program_does_not_exist(string program, string why)
    {
        var command = Command(program, "--version");

        var last = await Run(command);

        Assert.Equal(["Running@1", "Failed@1"], States(command));
        Assert.Equal("StartError", last.Reason);
        Assert.Null(last.ExitCode);
        Assert.StartsWith($"Container 'main' could not start '{program}': ", last.Message);
        Assert.Contains(why, last.Message);
        Assert.Contains($"could not start '{program}'", last.LogTail);
    }

    [Fact]
    public async Task Should_fail_a_task_without_a_container()
    {
        var command = Command("true") with { Container = null };

        var last = await Run(command);

        Assert.Equal(TaskState.Failed, last.State);
        Assert.Equal("NoCommand", last.Reason);
        Assert.Equal("The task gives no container to run.", last.Message);
    }

    [Fact]
    public async Task Should_run_in_the_containers_working_directory_and_find_relative_commands_there()
    {
        // The init container writes a script where the main container (workingDir: src) runs it, as
        // a pod would with both on the same emptyDir.
        var command = Command("./build.sh", "fast") with
        {
            InitContainers =
            [
                new ContainerSpec
                {
                    Name = "checkout", Image = "alpine/git:2.45", Command = ["sh", "-c"],
                    Args = ["mkdir -p src && printf '#!/bin/sh\\necho \"building $1 in $(pwd)\"\\n' > src/build.sh && chmod +x src/build.sh"],
                },
            ],
            Container = new ContainerSpec { Name = "main", Image = "alpine:3.20", Command = ["./build.sh", "fast"], WorkingDir = "src" },
        };

        var last = await Run(command);

        Assert.Equal(TaskState.Succeeded, last.State);
        var line = Assert.Single(Output.Lines(command.TaskId, "main"));
        Assert.Matches("^building fast in /.*/try-1/src$", line);
    }

    [Theory]
    [InlineData("../../..")]
    [InlineData("src/../../escape")]
    [InlineData("/../../etc")]
    public async Task Should_refuse_a_working_directory_outside_the_tasks_folder(string workingDir)
    {
        var command = Command("pwd") with { Container = new ContainerSpec { Name = "main", Image = "alpine:3.20", Command = ["pwd"], WorkingDir = workingDir } };

        var last = await Run(command);

        Assert.Equal(TaskState.Failed, last.State);
        Assert.Equal("InvalidWorkingDir", last.Reason);
        Assert.Equal($"Container 'main': workingDir '{workingDir}' leaves the task's folder.", last.Message);
        Assert.Empty(Output.Lines(command.TaskId, "main"));
    }
}
