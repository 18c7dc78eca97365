using MFlow.Contracts;
using MFlow.Execution.Reporting;

namespace MFlow.Execution.Tests.Reporting;

public sealed class When_numbering_task_updates
{
    [Theory]
    [InlineData(1, TaskState.Pending, 11)]
    [InlineData(1, TaskState.Running, 12)]
    [InlineData(1, TaskState.Succeeded, 13)]
    [InlineData(1, TaskState.Failed, 13)]
    [InlineData(1, TaskState.Cancelled, 13)]
    [InlineData(2, TaskState.Pending, 21)]
    [InlineData(12, TaskState.Running, 122)]
    public void Should_derive_the_sequence_from_attempt_and_state(int attempt, TaskState state, long expected)
    {
        Assert.Equal(expected, TaskSequence.Of(attempt, state));
    }

    // Each pair: the first transition must sort before the second, so the aggregator drops the
    // first if it arrives late.
    [Theory]
    [InlineData(1, TaskState.Pending, 1, TaskState.Running)]
    [InlineData(1, TaskState.Running, 1, TaskState.Succeeded)]
    [InlineData(1, TaskState.Running, 1, TaskState.Failed)]
    [InlineData(1, TaskState.Running, 1, TaskState.Cancelled)]
    [InlineData(1, TaskState.Succeeded, 2, TaskState.Pending)]
    [InlineData(1, TaskState.Failed, 2, TaskState.Running)]
    [InlineData(9, TaskState.Cancelled, 10, TaskState.Pending)]
    public void Should_order_every_transition_before_the_next(int attempt, TaskState state, int laterAttempt, TaskState laterState)
    {
        Assert.True(TaskSequence.Of(attempt, state) < TaskSequence.Of(laterAttempt, laterState));
    }

    [Fact]
    public void Should_number_the_terminal_states_of_an_attempt_alike()
    {
        // Whichever terminal state is reported first wins; a second one is a duplicate.
        Assert.Single(new[] { TaskState.Succeeded, TaskState.Failed, TaskState.Cancelled }.Select(s => TaskSequence.Of(3, s)).Distinct());
    }

    [Fact]
    public async Task Should_give_every_copy_of_an_attempts_end_one_MessageId_and_other_reports_none()
    {
        var (bus, recorder) = Support.RecordingBus.Create();
        var reporter = new TaskReporter(bus, Microsoft.Extensions.Options.Options.Create(new WorkerOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<TaskReporter>.Instance);
        var task = new TaskRef(Guid.NewGuid(), Guid.NewGuid(), "compile", JobKind.Build, Attempt: 1);
        var other = task with { TaskId = Guid.NewGuid() };

        await reporter.ReportAsync(task, new TaskReport(TaskState.Running), CancellationToken.None);
        await reporter.ReportAsync(task, new TaskReport(TaskState.Succeeded) { ExitCode = 0 }, CancellationToken.None);
        await reporter.ReportAsync(task, new TaskReport(TaskState.Succeeded) { ExitCode = 0 }, CancellationToken.None); // a restarted worker reporting it again
        await reporter.ReportAsync(task with { Attempt = 2 }, new TaskReport(TaskState.Failed) { ExitCode = 1 }, CancellationToken.None);
        await reporter.ReportAsync(other, new TaskReport(TaskState.Succeeded) { ExitCode = 0 }, CancellationToken.None);

        var ids = recorder.Published<TaskUpdated>().Select(recorder.MessageIdOf).ToList();
        Assert.Null(ids[0]);
        Assert.NotNull(ids[1]);
        Assert.Equal(ids[1], ids[2]);
        Assert.Equal(5, ids.Count);
        Assert.Equal(4, ids.Distinct().Count());
        Assert.Equal(TaskReporter.TerminalMessageId(task.TaskId, TaskSequence.Of(1, TaskState.Succeeded), TaskState.Succeeded), ids[1]);
        Assert.NotEqual(
            TaskReporter.TerminalMessageId(task.TaskId, TaskSequence.Of(1, TaskState.Succeeded), TaskState.Succeeded),
            TaskReporter.TerminalMessageId(task.TaskId, TaskSequence.Of(1, TaskState.Cancelled), TaskState.Cancelled));
    }
}
