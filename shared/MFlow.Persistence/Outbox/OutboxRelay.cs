using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MFlow.Persistence.Outbox;

/// <summary>
/// Publishes what a crash (or a broker outage) left in an outbox: everything at start-up, then
/// everything when woken by a failed publish, and as a safety net once a minute whatever is older
/// than <see cref="OutboxRelay.StaleAfter"/> (a replica that was scaled away leaves no one else to wake).
/// It leaves alone the messages its own process is still publishing (see <see cref="TransactionalOutbox.RelayAsync"/>):
/// a publish slowed by load is not sent twice. A new timer's wake-up takes only what is older than
/// <see cref="OutboxRelay.StaleAfter"/>, like the minute's pass; a failed publish's takes everything.
/// It also publishes each <see cref="DelayedMessage"/> when due, sleeping until the next one.
/// </summary>
public sealed class OutboxRelay<TOutbox>(TOutbox outbox, ILogger<OutboxRelay<TOutbox>> logger) : BackgroundService
    where TOutbox : TransactionalOutbox
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cutoff = DateTimeOffset.UtcNow;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int published;
                do
                {
                    published = await outbox.RelayAsync(cutoff, stoppingToken);
                    if (published > 0)
                        logger.LogInformation("Relayed {Count} messages from {Table}", published, outbox.Table);
                }
                while (published > 0);

                do
                {
                    published = await outbox.RelayDueAsync(DateTimeOffset.UtcNow, stoppingToken);
                    if (published > 0)
                        logger.LogDebug("Published {Count} delayed messages from {Table}", published, outbox.Table);
                }
                while (published > 0);

                failures = 0;
                await outbox.WaitForWakeAsync(await WaitAsync(stoppingToken), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "Relaying {Table} failed (attempt {Attempt})", outbox.Table, failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures))), stoppingToken);
            }

            // After a failed publish: everything now. Otherwise (on the timer, or woken to look at a new
            // timer): only what is old enough that no other replica is still publishing it.
            cutoff = outbox.TakePublishFailure() || failures > 0 ? DateTimeOffset.UtcNow : DateTimeOffset.UtcNow - OutboxRelay.StaleAfter;
        }
    }

    // Until the next delayed message is due, at most the safety net's minute: the relay sleeps
    // between timers instead of polling for them, and a new timer wakes it to look again.
    async Task<TimeSpan> WaitAsync(CancellationToken cancellationToken)
    {
        var next = await outbox.NextDeliveryAsync(cancellationToken);
        if (next is null)
            return OutboxRelay.SafetyNet;
        var until = next.Value - DateTimeOffset.UtcNow;
        return until <= TimeSpan.Zero ? TimeSpan.Zero : until < OutboxRelay.SafetyNet ? until : OutboxRelay.SafetyNet;
    }
}

/// <summary>What every outbox relay shares.</summary>
public static class OutboxRelay
{
    /// <summary>How old a message must be before a relay takes it over from the publisher that wrote it.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    /// <summary>How long a relay sleeps at most: it then publishes what nobody woke it for.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(1);
}
