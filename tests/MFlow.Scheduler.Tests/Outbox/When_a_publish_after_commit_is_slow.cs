using MassTransit;
using MFlow.Contracts;
using MFlow.Testing;

namespace MFlow.Scheduler.Tests.Outbox;

/// <summary>
/// A committed message is published by the process that wrote it. Its relay takes over only what that
/// publisher gave up on: one still waiting for the broker, or published and not yet deleted, is not
/// sent a second time however old it is, nor does it keep the relay from the rows behind it; one whose
/// publish failed is sent at once.
/// </summary>
public sealed class When_a_publish_after_commit_is_slow : IAsyncLifetime
{
    readonly List<CancelPipelineRun> _received = [];
    readonly HeldPublish _held = new();
    OutboxRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await OutboxRig.StartAsync("cancel", endpoint => endpoint.Handler<CancelPipelineRun>(context =>
        {
            lock (_received)
                _received.Add(context.Message);
            return Task.CompletedTask;
        }));
        _rig.Bus.ConnectPublishObserver(_held);
    }

    public async Task DisposeAsync()
    {
        _held.Release.TrySetResult(); // a failed assertion leaves no publish waiting
        await _rig.DisposeAsync();
    }

    [Fact]
    public async Task Should_be_left_to_its_publisher_by_the_relay()
    {
        _held.Hold = true;
        var pending = await _rig.EnqueueAsync(new CancelPipelineRun { RunId = Guid.NewGuid(), Reason = "slow" });
        var publishing = _rig.Outbox.PublishAsync(pending, CancellationToken.None);
        await _held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Far past any staleness: the relay still leaves it to the publish under way.
        Assert.Equal(0, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddMinutes(10), CancellationToken.None));

        _held.Release.SetResult();
        await publishing;
        await Eventually.UntilAsync(() => Task.FromResult(Received().Count == 1), TimeSpan.FromSeconds(10), "the message arrives");
        Assert.Equal(0, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddMinutes(10), CancellationToken.None));
        Assert.False(_rig.Outbox.TakePublishFailure());
        Assert.Equal("slow", Assert.Single(Received()).Reason);
    }

    [Fact]
    public async Task Should_not_hide_a_message_a_crash_left_behind_more_than_a_page_of_its_own()
    {
        // 600 messages of one commit, one of them waiting for the broker: the others are published
        // but not yet deleted, all held by their publisher. Behind them, one whose writer died.
        _held.Hold = true;
        var batch = await _rig.EnqueueAsync([.. Enumerable.Range(0, 600).Select(i => new CancelPipelineRun { RunId = Guid.NewGuid(), Reason = $"batch-{i}" })]);
        var publishing = _rig.Outbox.PublishAsync(batch, CancellationToken.None);
        await _held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await _rig.EnqueueAsync(new CancelPipelineRun { RunId = Guid.NewGuid(), Reason = "orphan" });

        Assert.Equal(1, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddMinutes(10), CancellationToken.None));

        _held.Release.SetResult();
        await publishing;
        await Eventually.UntilAsync(() => Task.FromResult(Received().Count == 601), TimeSpan.FromSeconds(30), "every message arrives");
        Assert.Equal(601, Received().Select(m => m.Reason).Distinct().Count());
        Assert.Equal(0, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddMinutes(10), CancellationToken.None));
    }

    [Fact]
    public async Task Should_be_relayed_at_once_when_its_publish_failed()
    {
        _held.Fail = true;
        var pending = await _rig.EnqueueAsync(new CancelPipelineRun { RunId = Guid.NewGuid(), Reason = "refused" });

        await _rig.Outbox.PublishAsync(pending, CancellationToken.None);
        Assert.Empty(Received());
        Assert.True(_rig.Outbox.TakePublishFailure());
        Assert.False(_rig.Outbox.TakePublishFailure()); // told once

        _held.Fail = false;
        Assert.Equal(1, await _rig.Outbox.RelayAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None));
        await Eventually.UntilAsync(() => Task.FromResult(Received().Count == 1), TimeSpan.FromSeconds(10), "the relayed message arrives");
        Assert.Equal("refused", Received()[0].Reason);
    }

    List<CancelPipelineRun> Received()
    {
        lock (_received)
            return [.. _received];
    }

    // Holds the first publish until released (a broker slow to confirm), or fails every publish (a broker gone).
    sealed class HeldPublish : IPublishObserver
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool Hold;
        public volatile bool Fail;

        public async Task PrePublish<T>(PublishContext<T> context)
            where T : class
        {
            if (Fail)
                throw new InvalidOperationException("The broker refused the message.");
            if (Hold && Reached.TrySetResult())
                await Release.Task;
        }

        public Task PostPublish<T>(PublishContext<T> context)
            where T : class => Task.CompletedTask;

        public Task PublishFault<T>(PublishContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;
    }
}
