using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Persistence.Outbox;
using MFlow.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// The aggregator's outbox relay when the broker leaves one of its publishes pending for good, token
/// or not, as a publish caught by a broker restart can be. Seen in the broker-restart fault test: the
/// relay stopped on such a publish, so the StageCompleted two runs were waiting for and the retry
/// timers of two others were never published, and the four runs stayed Running.
/// </summary>
[Collection(AggregatorStorageCollection.Name)]
public sealed class When_a_relayed_publish_never_returns : AggregatorTest
{
    [Fact]
    public async Task Should_give_it_up_and_relay_it_again_with_the_rest_and_the_due_timers()
    {
        await using var storage = await OutboxStorage.MigrateAsync(Database);
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, [typeof(StageCompleted), typeof(DispatchTaskAttempt)]);
        var hang = new HangFirstPublishFilter();
        var bus = await TestBus.StartAsync(VirtualHost.Url, cfg => cfg.ConfigurePublish(publish => publish.UseFilter(hang)));
        try
        {
            // What a failed publish after commit leaves to the relay: a stage's completion (the first
            // thing relayed, the one whose publish hangs), another, and a retry timer already due.
            var outbox = storage.Outbox(bus);
            var runs = Enumerable.Range(0, 2).Select(_ => Guid.NewGuid()).ToList();
            var retried = Guid.NewGuid();
            await storage.EnqueueAsync(outbox,
                [
                    .. runs.Select(run => new StageCompleted { RunId = run, StageIndex = 2, StageName = "stage-2", Succeeded = true }),
                    new DelayedMessage(new DispatchTaskAttempt { RunId = retried, TaskId = Guid.NewGuid(), Attempt = 2, Cause = "retry" }, DateTimeOffset.UtcNow),
                ]);

            var relay = new OutboxRelay<AggregatorOutbox>(outbox, NullLogger<OutboxRelay<AggregatorOutbox>>.Instance);
            await relay.StartAsync(CancellationToken.None);
            try
            {
                await hang.Caught.WaitAsync(TimeSpan.FromSeconds(30));
                await Eventually.UntilAsync(
                    async () => (await spy.MessagesAsync<StageCompleted>()).Count >= runs.Count && (await spy.MessagesAsync<DispatchTaskAttempt>()).Count >= 1,
                    TimeSpan.FromSeconds(90),
                    "both stage completions and the due retry timer are published although the first publish never returned");
            }
            finally
            {
                await relay.StopAsync(CancellationToken.None);
            }

            Assert.Equal(runs.Order(), (await spy.MessagesAsync<StageCompleted>()).Select(m => m.RunId).Distinct().Order());
            Assert.Equal([retried], (await spy.MessagesAsync<DispatchTaskAttempt>()).Select(m => m.RunId).Distinct());
        }
        finally
        {
            hang.Release();
            await bus.StopAsync();
        }
    }

    // The first publish through it never returns, whatever its token says, until the test releases it.
    private sealed class HangFirstPublishFilter : IFilter<PublishContext>
    {
        private readonly TaskCompletionSource _caught = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _publishes;

        public Task Caught => _caught.Task;

        public void Release() => _released.TrySetResult();

        public async Task Send(PublishContext context, IPipe<PublishContext> next)
        {
            if (Interlocked.Increment(ref _publishes) == 1)
            {
                _caught.TrySetResult();
                await _released.Task;
                throw new OperationCanceledException("released at the end of the test");
            }

            await next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("hangFirstPublish");
    }
}
