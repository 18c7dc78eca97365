using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence.Outbox;
using MFlow.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Scheduler.Tests.Outbox;

/// <summary>
/// A delayed message is a durable timer: stored with the change that sets it, never published after
/// commit, published by the relay once due (and only then), and gone once the broker has it.
/// </summary>
public sealed class When_the_outbox_holds_a_delayed_message : IAsyncLifetime
{
    readonly List<(CancelPipelineRun Message, DateTimeOffset At)> _published = [];
    OutboxRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await OutboxRig.StartAsync("cancel", endpoint => endpoint.Handler<CancelPipelineRun>(context =>
        {
            lock (_published)
                _published.Add((context.Message, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        }));
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Should_publish_it_only_once_due()
    {
        var due = DateTimeOffset.UtcNow.AddMinutes(5);
        var pending = await _rig.EnqueueAsync(new DelayedMessage(new CancelPipelineRun { RunId = Guid.NewGuid(), Reason = "timer" }, due));

        await _rig.Outbox.PublishAsync(pending, CancellationToken.None);
        Assert.Equal(0, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddMinutes(10), CancellationToken.None));
        Assert.Equal(0, await _rig.Outbox.RelayDueAsync(due.AddSeconds(-1), CancellationToken.None));
        Assert.Equal(due, await _rig.Outbox.NextDeliveryAsync(CancellationToken.None));

        Assert.Equal(1, await _rig.Outbox.RelayDueAsync(due, CancellationToken.None));
        await Eventually.UntilAsync(() => Task.FromResult(_published.Count == 1), TimeSpan.FromSeconds(10), "the timer's message arrives");
        Assert.Equal("timer", _published[0].Message.Reason);
        Assert.Null(await _rig.Outbox.NextDeliveryAsync(CancellationToken.None));
        Assert.Equal(0, await _rig.Outbox.RelayDueAsync(due.AddMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task Should_publish_the_immediate_messages_written_with_it_at_once()
    {
        var run = Guid.NewGuid();
        var pending = await _rig.EnqueueAsync(
            new CancelPipelineRun { RunId = run, Reason = "now" },
            new DelayedMessage(new CancelPipelineRun { RunId = run, Reason = "later" }, DateTimeOffset.UtcNow.AddMinutes(5)));

        await _rig.Outbox.PublishAsync(pending, CancellationToken.None);

        await Eventually.UntilAsync(() => Task.FromResult(_published.Count == 1), TimeSpan.FromSeconds(10), "the immediate message arrives");
        Assert.Equal("now", _published[0].Message.Reason);
        Assert.NotNull(await _rig.Outbox.NextDeliveryAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Should_be_published_by_a_running_relay_when_due_not_before()
    {
        using var relay = new OutboxRelay<Scheduler.Outbox.Outbox>(_rig.Outbox, NullLogger<OutboxRelay<Scheduler.Outbox.Outbox>>.Instance);
        await relay.StartAsync(CancellationToken.None);
        try
        {
            // Set while the relay sleeps with nothing to do: the commit's publish wakes it to look again.
            await Eventually.UntilAsync(async () => await _rig.Outbox.NextDeliveryAsync(CancellationToken.None) is null, TimeSpan.FromSeconds(10), "the relay has started");
            var due = DateTimeOffset.UtcNow.AddSeconds(1.5);
            await _rig.Outbox.PublishAsync(await _rig.EnqueueAsync(new DelayedMessage(new CancelPipelineRun { RunId = Guid.NewGuid(), Reason = "timer" }, due)), CancellationToken.None);

            await Eventually.UntilAsync(() => Task.FromResult(_published.Count == 1), TimeSpan.FromSeconds(30), "the relay publishes the due message");
            Assert.True(_published[0].At >= due, $"published at {_published[0].At:O}, due at {due:O}");
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
        }
    }
}
