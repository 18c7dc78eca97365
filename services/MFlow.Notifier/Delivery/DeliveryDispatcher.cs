using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using MFlow.Notifications;
using MFlow.Notifier.Messages;
using Microsoft.Extensions.Options;

namespace MFlow.Notifier.Delivery;

/// <summary>
/// Delivers what is due. Woken when a consumer writes deliveries, when a try ends, and at the next
/// retry's time (at the latest after <see cref="NotificationOptions.PollInterval"/>, to pick up other
/// replicas' work whose lease ran out). Each try runs on its own with its own time-out, at most
/// <see cref="NotificationOptions.MaxConcurrentDeliveries"/> at once and
/// <see cref="NotificationOptions.MaxConcurrentPerSubscription"/> per subscription: a receiver that
/// never answers holds a few slots for its time-out, never the others' deliveries.
/// </summary>
public sealed class DeliveryDispatcher(
    DeliveryStore deliveries, SubscriptionStore subscriptions, DeliverySender sender, IOptions<NotificationOptions> options, ILogger<DeliveryDispatcher> logger)
    : BackgroundService
{
    readonly NotificationOptions _options = options.Value;
    readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    readonly Dictionary<Guid, int> _inFlightBySubscription = [];
    readonly Lock _lock = new();
    int _inFlight;

    /// <summary>Says there is new work (deliveries just written).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A lease outlives one try (time-out included) with room to record it; after that the row is
        // another notifier's to take, as when this one died mid-try.
        var lease = _options.RequestTimeout * 2 + TimeSpan.FromSeconds(10);
        var running = new List<Task>();
        var nextPurge = DateTimeOffset.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                if (DateTimeOffset.UtcNow >= nextPurge)
                {
                    // The log keeps what happened for MFlow:Notifications:Retention; any replica may purge, once an hour.
                    var purged = await deliveries.PurgeAsync(DateTimeOffset.UtcNow - _options.Retention, stoppingToken);
                    if (purged > 0)
                        logger.LogInformation("Purged {Count} finished deliveries older than {Retention}", purged, _options.Retention);
                    nextPurge = DateTimeOffset.UtcNow.AddHours(1);
                }

                var claimed = await ClaimAsync(lease, stoppingToken);
                foreach (var delivery in claimed)
                    running.Add(TryAsync(delivery, stoppingToken));
                running.RemoveAll(task => task.IsCompleted);
                wait = await NextWaitAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away for a moment: nothing is lost, the rows wait.
                logger.LogWarning(ex, "Looking for due deliveries failed; trying again shortly");
                wait = _options.PollInterval;
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timer.CancelAfter(wait);
            try
            {
                await _wake.Reader.ReadAsync(timer.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Time to look again.
            }
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    async Task<IReadOnlyList<DueDelivery>> ClaimAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        int free;
        List<Guid> busy;
        lock (_lock)
        {
            free = _options.MaxConcurrentDeliveries - _inFlight;
            busy = _inFlightBySubscription.Where(p => p.Value >= _options.MaxConcurrentPerSubscription).Select(p => p.Key).ToList();
        }

        if (free <= 0)
            return [];
        var claimed = await deliveries.ClaimDueAsync(free, busy, lease, cancellationToken);
        var taken = new List<DueDelivery>();
        var giveBack = new List<DueDelivery>();
        lock (_lock)
        {
            foreach (var delivery in claimed)
            {
                var count = _inFlightBySubscription.GetValueOrDefault(delivery.SubscriptionId);
                if (count >= _options.MaxConcurrentPerSubscription)
                {
                    giveBack.Add(delivery);
                    continue;
                }

                _inFlightBySubscription[delivery.SubscriptionId] = count + 1;
                _inFlight++;
                taken.Add(delivery);
            }
        }

        // More of one subscription than its share came back in one claim: the rest wait for their
        // lease to run out, which costs them a short delay, never a try.
        if (giveBack.Count > 0)
            await deliveries.ReleaseAsync(giveBack.Select(d => d.Id).ToList(), cancellationToken);
        return taken;
    }

    async Task<TimeSpan> NextWaitAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_inFlight >= _options.MaxConcurrentDeliveries)
                return _options.PollInterval; // a try ending wakes the loop
        }

        var next = await deliveries.NextDueAsync(cancellationToken);
        if (next is null)
            return _options.PollInterval;
        var wait = next.Value - DateTimeOffset.UtcNow;
        return wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : wait < _options.PollInterval ? wait : _options.PollInterval;
    }

    // Decrypts the subscription's stored secret (null when it has none) and returns null; or returns
    // why it cannot be decrypted here: the key ring lost the key it was encrypted with, or this notifier reads another key ring
    // (another MFlow:DataProtection:KeyEncryptionKey). Trying again cannot help; saving the secret
    // again does. The reason names the key ring's complaint, never the secret.
    string? ReadSecret(Subscription subscription, out string? secret)
    {
        secret = null;
        try
        {
            secret = subscriptions.Secret(subscription);
            return null;
        }
        catch (CryptographicException ex)
        {
            return $"The subscription's secret cannot be decrypted with this notifier's key ring ({ex.Message}): the key ring lost the key it was "
                + "encrypted with, or this notifier's MFlow:DataProtection:KeyEncryptionKey is not the scheduler's. Set the secret again (PUT the subscription).";
        }
    }

    async Task TryAsync(DueDelivery delivery, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var subscription = await subscriptions.GetAsync(delivery.SubscriptionId, stoppingToken);
            AttemptResult result;
            // What no later try can change ends the delivery at once, as failed with the reason.
            string? secret = null;
            var hopeless = subscription is null ? "The subscription was deleted."
                : !subscription.Enabled ? "The subscription is disabled."
                // Saved while plain http was allowed, or before it was refused.
                : Uri.TryCreate(subscription.Url, UriKind.Absolute, out var url) && SubscriptionRules.InsecureHttp(url.Scheme, _options) is { } insecure ? insecure
                : ReadSecret(subscription, out secret);
            if (hopeless is not null)
            {
                result = new AttemptResult(false, DateTimeOffset.UtcNow, null, hopeless, TimeSpan.Zero);
            }
            else
            {
                var notification = JsonSerializer.Deserialize<NotificationEvent>(delivery.Payload, PlatformMessages.Json)!;
                var request = PlatformMessages.For(subscription!.Target, subscription.Url, secret, notification, DateTimeOffset.UtcNow);
                result = await sender.SendAsync(subscription.Target, request, stoppingToken);
            }

            var attempt = delivery.Attempts + 1;
            var final = result.Delivered || hopeless is not null || attempt >= _options.MaxAttempts;
            var retryAt = final ? (DateTimeOffset?)null : DateTimeOffset.UtcNow + _options.RetryDelay(attempt);
            await deliveries.RecordAsync(delivery, result, retryAt, stoppingToken);
            if (result.Delivered)
                logger.LogInformation("Delivered {Event} {Delivery} to subscription {Subscription} (try {Attempt})", delivery.Event, delivery.Id, delivery.SubscriptionId, attempt);
            else
                logger.LogWarning("Delivering {Event} {Delivery} to subscription {Subscription} failed (try {Attempt} of {Max}): {Error}{Next}",
                    delivery.Event, delivery.Id, delivery.SubscriptionId, attempt, _options.MaxAttempts, result.Error, retryAt is { } at ? $"; next try at {at:O}" : "; giving up");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Recording failed (the database went away): the lease runs out and the try is made again.
            logger.LogWarning(ex, "A try of delivery {Delivery} could not be recorded; it will be tried again", delivery.Id);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the lease runs out and another notifier (or this one, restarted) tries again.
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
                if (--_inFlightBySubscription[delivery.SubscriptionId] == 0)
                    _inFlightBySubscription.Remove(delivery.SubscriptionId);
            }

            Wake();
        }
    }
}
