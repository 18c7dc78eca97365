using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

public sealed class When_a_task_has_init_containers : ExecutorSpec
{
    [Fact]
    public async Task Should_run_them_first_in_order()
    {
        var command = Script("printf 'ORDER=%s\\0' \"$(cat order | tr '\\n' ',')\" >> \"$_OUTPUT_FILE\"; echo main") with
        {
            InitContainers = [Init("fetch", "echo fetch >> order; echo fetched"), Init("prepare", "echo prepare >> order; echo prepared")],
        };

        var last = await Run(command);

        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Equal("fetch,prepare,", last.Outputs["ORDER"]);
        Assert.Equal([("fetch", "fetched"), ("prepare", "prepared"), ("main", "main")], Output.Lines(command.TaskId));
    }

    [Fact]
    public async Task Should_fail_the_task_naming_the_init_container_that_failed()
    {
        var command = Script("echo main ran") with
        {
            InitContainers = [Init("fetch", "echo 'repository not found' >&2; exit 7"), Init("prepare", "echo prepared")],
        };

        var last = await Run(command);

        Assert.Equal(["Running@1", "Failed@1"], States(command));
        Assert.Equal(7, last.ExitCode);
        Assert.Equal("Error", last.Reason);
        Assert.Equal("Init container 'fetch' exited with code 7.", last.Message);
        Assert.Equal([("fetch", "repository not found")], Output.Lines(command.TaskId));
    }

    [Fact]
    public async Task Should_name_an_unnamed_init_container_by_its_position()
    {
        var command = Script("echo main ran") with
        {
            InitContainers = [Init(null, "true"), Init(null, "exit 2")],
        };

        var last = await Run(command);

        Assert.Equal("Init container 'init-2' exited with code 2.", last.Message);
    }

    static ContainerSpec Init(string? name, string script) =>
        new() { Name = name, Image = "alpine:3.20", Command = ["sh", "-c", script] };
}
