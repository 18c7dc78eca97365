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
}
