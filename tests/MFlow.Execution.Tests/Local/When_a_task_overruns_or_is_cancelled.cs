using System.Diagnostics;
using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

public sealed class When_a_task_overruns_or_is_cancelled : ExecutorSpec
{
    [Fact]
    public async Task Should_fail_a_task_past_its_deadline()
    {
        var command = Script("echo started; sleep 60") with { TimeoutSeconds = 1 };
        var clock = Stopwatch.StartNew();

        var last = await Run(command);

        Assert.Equal(["Running@1", "Failed@1"], States(command));
        Assert.Equal("DeadlineExceeded", last.Reason);
        Assert.Equal("The task ran longer than its 1 s deadline.", last.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the task was not stopped at its deadline ({clock.Elapsed})");
        Assert.Contains("started", last.LogTail);
    }

    [Fact]
    public async Task Should_stop_a_cancelled_task_and_report_it_cancelled()
    {
        var command = Script("echo started; sleep 60");
        var running = Executor.ExecuteAsync(command, CancellationToken.None);
        await Output.WaitForLine(command.TaskId, "started");
        var clock = Stopwatch.StartNew();

        await Executor.CancelAsync(new CancelTask { RunId = command.RunId, TaskId = command.TaskId, Kind = JobKind.Build, Attempt = 1, Reason = "run cancelled" }, CancellationToken.None);
        await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
        Assert.Equal(["Running@1", "Cancelled@1"], States(command));
        var last = Updates(command)[^1];
        Assert.Equal("Cancelled", last.Reason);
        Assert.Equal("The task was cancelled.", last.Message);
        Assert.Equal(13, last.Sequence);
    }

    [Fact]
    public async Task Should_not_stop_another_attempt_of_the_task()
    {
        var command = Script("echo started; while [ ! -e \"$GO\" ]; do sleep 0.05; done") with
        {
            Params = new Dictionary<string, string> { ["GO"] = Path.Combine(Root, "go") },
        };
        var running = Executor.ExecuteAsync(command, CancellationToken.None);
        await Output.WaitForLine(command.TaskId, "started");

        await Executor.CancelAsync(new CancelTask { RunId = command.RunId, TaskId = command.TaskId, Kind = JobKind.Build, Attempt = 2 }, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(Root, "go"), "");
        await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(["Running@1", "Succeeded@1"], States(command));
    }

    [Fact]
    public async Task Should_ignore_a_cancel_for_a_task_that_is_not_running()
    {
        await Executor.CancelAsync(new CancelTask { RunId = Guid.NewGuid(), TaskId = Guid.NewGuid(), Kind = JobKind.Build, Attempt = 1 }, CancellationToken.None);

        Assert.Empty(Bus.Published<TaskUpdated>());
    }
}
