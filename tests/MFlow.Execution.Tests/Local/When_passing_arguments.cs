using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

public sealed class When_passing_arguments : ExecutorSpec
{
    // No shell sits between the command and its arguments: each reaches the program as one literal
    // argv entry, whatever it contains.
    static readonly string[] Hostile =
    [
        "; rm -rf /",
        "$(whoami)",
        "`id`",
        "$HOME",
        "first line\nsecond line",
        "it's \"quoted\"",
        "a  b",
        "*",
        "&& echo pwned",
        "",
    ];

    [Fact]
    public async Task Should_hand_each_argument_over_literally()
    {
        var command = Command(["/usr/bin/printf", "[%s]\\n", .. Hostile]);

        var last = await Run(command);

        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Equal(
            ["[; rm -rf /]", "[$(whoami)]", "[`id`]", "[$HOME]", "[first line", "second line]", "[it's \"quoted\"]", "[a  b]", "[*]", "[&& echo pwned]", "[]"],
            Output.Lines(command.TaskId, "main"));
    }

    [Fact]
    public async Task Should_append_args_to_the_command()
    {
        var command = Command("/bin/echo") with
        {
            Container = new ContainerSpec { Name = "main", Image = "alpine:3.20", Command = ["/bin/echo", "-n"], Args = ["$(whoami)", "; ls"] },
        };

        await Run(command);

        Assert.Equal(["$(whoami) ; ls"], Output.Lines(command.TaskId, "main"));
    }
}
