using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

public sealed class When_a_command_is_delivered_twice : ExecutorSpec
{
    [Fact]
    public async Task Should_run_the_attempt_once_while_it_runs()
    {
        var go = Path.Combine(Root, "go");
        var runs = Path.Combine(Root, "runs");
        var command = Script("echo run >> \"$RUNS\"; echo started; while [ ! -e \"$GO\" ]; do sleep 0.05; done") with
        {
            Params = new Dictionary<string, string> { ["GO"] = go, ["RUNS"] = runs },
        };
        var first = Executor.ExecuteAsync(command, CancellationToken.None);
        await Output.WaitForLine(command.TaskId, "started");

        // The redelivered command returns at once: the attempt is already running here.
        await Executor.ExecuteAsync(command with { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(first.IsCompleted);

        await File.WriteAllTextAsync(go, "");
        await first.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Single(File.ReadAllLines(runs));
        Assert.Equal(["Running@1", "Succeeded@1"], States(command));
    }

    [Fact]
    public async Task Should_run_another_attempt_of_the_same_task()
    {
        var command = Script("echo \"attempt $_JOB_TASK_ATTEMPT\"");

        await Run(command);
        await Run(command with { Attempt = 2 });

        Assert.Equal(["Running@1", "Succeeded@1", "Running@2", "Succeeded@2"], States(command));
        Assert.Equal(["attempt 1", "attempt 2"], Output.Lines(command.TaskId, "main"));
    }
}
