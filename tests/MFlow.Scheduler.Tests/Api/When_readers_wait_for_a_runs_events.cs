using MFlow.Persistence.Runs;

namespace MFlow.Scheduler.Tests.Api;

/// <summary>
/// The signal that wakes a replica's event streams and log follows: each of a run's readers is woken
/// by its pulses, and the run is forgotten when its last reader leaves, so a long-lived replica keeps
/// nothing for the runs it once streamed (watched runs that ended never pulse again).
/// </summary>
public sealed class When_readers_wait_for_a_runs_events
{
    [Fact]
    public void Should_forget_a_run_when_its_last_reader_leaves()
    {
        var signal = new RunEventSignal();

        // A replica that has streamed a thousand runs to their ends, each read and waited on.
        for (var i = 0; i < 1000; i++)
        {
            using var watch = signal.Watch(Guid.NewGuid());
            _ = watch.Next();
        }

        Assert.Equal(0, signal.WatchedRuns);
    }

    [Fact]
    public async Task Should_wake_every_reader_and_keep_the_run_while_one_still_reads()
    {
        var signal = new RunEventSignal();
        var runId = Guid.NewGuid();
        var dashboard = signal.Watch(runId);
        using var cli = signal.Watch(runId);
        var dashboardWoken = dashboard.Next();
        var cliWoken = cli.Next();

        signal.Pulse(Guid.NewGuid());
        Assert.False(cliWoken.IsCompleted);
        signal.Pulse(runId);
        await dashboardWoken.WaitAsync(TimeSpan.FromSeconds(10));
        await cliWoken.WaitAsync(TimeSpan.FromSeconds(10));

        // One reader leaves (twice: a watch lets go once); the other is still woken by the run's pulses.
        dashboard.Dispose();
        dashboard.Dispose();
        Assert.Equal(1, signal.WatchedRuns);
        var next = cli.Next();
        Assert.False(next.IsCompleted);
        signal.PulseAll();
        await next.WaitAsync(TimeSpan.FromSeconds(10));

        // A pulse between taking the task and awaiting it is not lost.
        var taken = cli.Next();
        signal.Pulse(runId);
        await taken.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(cli.Next().IsCompleted);
    }
}
