using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Persistence.Outbox;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// Timers held in the outbox on PostgreSQL: when several replicas' relays find the same messages due
/// at once, each claims rows the others skip, so a timer fires once, not once per replica.
/// </summary>
[Collection(AggregatorStorageCollection.Name)]
public sealed class When_replicas_relay_delayed_messages : AggregatorTest
{
    [Fact]
    public async Task Should_publish_each_due_message_once_across_replicas()
    {
        await using var storage = await OutboxStorage.MigrateAsync(Database);
        await using var spy = await MessageSpy.StartAsync(VirtualHost.Url, [typeof(CancelPipelineRun)]);
        var replicas = Enumerable.Range(0, 3).Select(_ => storage.Outbox(Publisher)).ToList();

        var due = DateTimeOffset.UtcNow.AddSeconds(-1);
        var runs = Enumerable.Range(0, 60).Select(_ => Guid.NewGuid()).ToList();
        await storage.EnqueueAsync(replicas[0], runs.Select(run => new DelayedMessage(new CancelPipelineRun { RunId = run, Reason = "timer" }, due)));

        var relayed = await Task.WhenAll(replicas.Select(replica => Task.Run(async () =>
        {
            var count = 0;
            int published;
            while ((published = await replica.RelayDueAsync(DateTimeOffset.UtcNow, CancellationToken.None)) > 0)
                count += published;
            return count;
        })));

        Assert.Equal(runs.Count, relayed.Sum());
        await Eventually.UntilAsync(async () => (await spy.MessagesAsync<CancelPipelineRun>()).Count >= runs.Count, TimeSpan.FromSeconds(30), "every timer's message arrives");
        var received = await spy.MessagesAsync<CancelPipelineRun>();
        Assert.Equal(runs.Order(), received.Select(m => m.RunId).Order());
        Assert.Null(await replicas[1].NextDeliveryAsync(CancellationToken.None));
    }
}
