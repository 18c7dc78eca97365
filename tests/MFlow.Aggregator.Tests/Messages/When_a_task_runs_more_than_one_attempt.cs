using MFlow.Aggregator.Tests.Support;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Messages;

/// <summary>Each attempt of a task has its own row; the run shows a task's latest attempt.</summary>
public sealed class When_a_task_runs_more_than_one_attempt : RunSpec
{
    // Each step is State@Attempt; the task shows the state of its latest attempt's newest update.
    [Theory]
    [InlineData("Running@1 Failed@1 Running@2", "Running@2")] // a new attempt replaces the old one
    [InlineData("Running@2 Failed@1 Succeeded@1", "Running@2")] // an old attempt's news is late
    [InlineData("Running@2 Succeeded@2 Running@2 Succeeded@2", "Succeeded@2")]
    public async Task Should_show_the_latest_attempt(string steps, string expected)
    {
        await PublishAndWait(Run.Started);
        foreach (var step in steps.Split(' '))
            await PublishAndWait(Update(step));

        var task = (await StateAsync())!.Tasks[Run.TaskId("compile")];
        Assert.Equal(expected, $"{task.State}@{task.Attempt}");
    }

    [Fact]
    public async Task Should_start_a_new_attempt_from_a_clean_slate()
    {
        await PublishAndWait(Run.Started, Run.Succeeded("compile"));
        await PublishAndWait(Run.Running("lint"));
        await PublishAndWait(Run.Failed("lint", exitCode: 3) with { Outputs = new Dictionary<string, string> { ["PARTIAL"] = "yes" } });

        await PublishAndWait(Run.Running("lint", attempt: 2));

        var task = (await StateAsync())!.Tasks[Run.TaskId("lint")];
        Assert.Equal(TaskState.Running, task.State);
        Assert.Equal(2, task.Attempt);
        Assert.Null(task.ExitCode);
        Assert.Null(task.FinishedAt);
        Assert.Null(task.Reason);
        Assert.Null(task.LogTail); // the failed attempt's output is not the new attempt's
        Assert.Empty(task.Outputs);
        Assert.False(task.CancelSent);
    }

    TaskUpdated Update(string step)
    {
        var parts = step.Split('@');
        var attempt = int.Parse(parts[1]);
        return Enum.Parse<TaskState>(parts[0]) switch
        {
            TaskState.Running => Run.Running("compile", attempt),
            TaskState.Succeeded => Run.Succeeded("compile", attempt),
            TaskState.Failed => Run.Failed("compile", exitCode: 1, attempt),
            _ => Run.Cancelled("compile", attempt),
        };
    }
}
