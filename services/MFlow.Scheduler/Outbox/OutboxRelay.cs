using MFlow.Persistence;

namespace MFlow.Scheduler.Outbox;

/// <summary>Wakes the relay when a publish after commit failed.</summary>
public sealed class OutboxRelaySignal
{
    readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Asks the relay to run soon.</summary>
    public void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); }
            catch (SemaphoreFullException) { } // already woken
        }
    }

    /// <summary>Waits for a wake-up (true) or the timeout (false).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Publishes what a crash (or a broker outage) left in the outbox: everything at start-up, then
/// everything when woken by a failed publish, and as a safety net once a minute whatever is older
/// than <see cref="StaleAfter"/> (a replica that was scaled away leaves no one else to wake).
/// </summary>
public sealed class OutboxRelay(Outbox outbox, OutboxRelaySignal signal, ILogger<OutboxRelay> logger) : BackgroundService
{
    /// <summary>How old a message must be before the relay takes it over from the publisher that wrote it.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cutoff = DateTimeOffset.UtcNow;
        var woken = false;
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
                        logger.LogInformation("Relayed {Count} outbox messages", published);
                }
                while (published > 0);

                failures = 0;
                woken = await signal.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "Outbox relay failed (attempt {Attempt})", failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures))), stoppingToken);
            }

            // Woken by a failed publish: take everything now. On the timer: only what nobody else is publishing.
            cutoff = woken || failures > 0 ? DateTimeOffset.UtcNow : DateTimeOffset.UtcNow - StaleAfter;
        }
    }
}
