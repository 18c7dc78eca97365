using MFlow.Persistence;

namespace MFlow.Notifications;

/// <summary>
/// The deliveries (notification_deliveries) and their tries (notification_attempts). A delivery is
/// written when its event is consumed and leaves Pending only once delivered or out of tries, so a
/// notifier that stops (or dies mid-try) loses nothing: another, or the same restarted, takes over
/// once the lease on the row expires.
/// </summary>
public sealed class DeliveryStore(Database database)
{
    /// <summary>The most deliveries one read of the log returns.</summary>
    public const int MaxListLimit = 200;

    /// <summary>Writes new deliveries; one already written (a redelivered event) is left as it is. Returns how many were new.</summary>
    public async Task<int> EnqueueAsync(IReadOnlyList<NewDelivery> deliveries, CancellationToken cancellationToken)
    {
        if (deliveries.Count == 0)
            return 0;
        var now = DateTimeOffset.UtcNow;
        var written = 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var delivery in deliveries)
        {
            written += await connection.ExecuteAsync(
                """
                INSERT INTO notification_deliveries (id, subscription_id, event, run_id, payload, status, attempts, next_attempt_at, lease_until, created_at, completed_at)
                VALUES (@id, @subscription, @event, @run, @payload, @pending, 0, @now, NULL, @now, NULL)
                ON CONFLICT (id) DO NOTHING
                """,
                transaction, cancellationToken,
                ("id", delivery.Id), ("subscription", delivery.SubscriptionId), ("event", delivery.Event), ("run", delivery.RunId),
                ("payload", delivery.Payload), ("pending", DeliveryStatus.Pending), ("now", now));
        }

        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> due deliveries for <paramref name="lease"/>, oldest due first,
    /// none of <paramref name="busySubscriptions"/>. A row leased by another notifier is not taken
    /// until its lease runs out.
    /// </summary>
    public async Task<IReadOnlyList<DueDelivery>> ClaimDueAsync(int max, IReadOnlyCollection<Guid> busySubscriptions, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var (busyList, busyParameters) = DbCommandExtensions.InList("busy", busySubscriptions);
        var excludeBusy = busySubscriptions.Count == 0 ? "" : $" AND subscription_id NOT IN ({busyList})";
        // The outer condition is checked again on the row as it is when the UPDATE gets its lock
        // (PostgreSQL, read committed), so two notifiers racing for a row never both take it.
        const string Free = "status = @pending AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)";
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"""
            UPDATE notification_deliveries SET lease_until = @leaseUntil
            WHERE id IN (SELECT id FROM notification_deliveries WHERE {Free}{excludeBusy} ORDER BY next_attempt_at LIMIT @max) AND {Free}
            RETURNING id, subscription_id, event, payload, attempts, created_at
            """,
            null, [("pending", DeliveryStatus.Pending), ("now", now), ("leaseUntil", now + lease), ("max", max), .. busyParameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = new List<DueDelivery>();
        while (await reader.ReadAsync(cancellationToken))
            due.Add(new DueDelivery(reader.GetId(0), reader.GetId(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetTimestamp(5)));
        return due;
    }

    /// <summary>Gives claimed deliveries back untried: their lease ends now.</summary>
    public async Task ReleaseAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var (list, parameters) = DbCommandExtensions.InList("id", ids);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync($"UPDATE notification_deliveries SET lease_until = NULL WHERE id IN ({list})", null, cancellationToken, parameters);
    }

    /// <summary>When the next pending delivery can be taken (due, and its lease if any run out), or null when none is pending.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            """
            SELECT min(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)
            FROM notification_deliveries WHERE status = @pending
            """,
            null, ("pending", DeliveryStatus.Pending));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? reader.GetTimestamp(0) : null;
    }

    /// <summary>
    /// Records a try and what follows from it: delivered, tried again at <paramref name="retryAt"/>,
    /// or (null retryAt after a failure) failed for good. A try recorded before (a lease that ran out
    /// while it was still going) is not recorded twice.
    /// </summary>
    public async Task RecordAsync(DueDelivery delivery, AttemptResult result, DateTimeOffset? retryAt, CancellationToken cancellationToken)
    {
        var attempt = delivery.Attempts + 1;
        var status = result.Delivered ? DeliveryStatus.Delivered : retryAt is null ? DeliveryStatus.Failed : DeliveryStatus.Pending;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO notification_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
            VALUES (@id, @attempt, @at, @code, @error, @duration) ON CONFLICT (delivery_id, attempt) DO NOTHING
            """,
            transaction, cancellationToken,
            ("id", delivery.Id), ("attempt", attempt), ("at", result.At), ("code", result.StatusCode), ("error", result.Error),
            ("duration", (int)Math.Min(int.MaxValue, result.Duration.TotalMilliseconds)));
        await connection.ExecuteAsync(
            """
            UPDATE notification_deliveries SET status = @status, attempts = @attempt, next_attempt_at = COALESCE(@retryAt, next_attempt_at),
                lease_until = NULL, completed_at = @completedAt
            WHERE id = @id AND attempts < @attempt
            """,
            transaction, cancellationToken,
            ("status", status), ("attempt", attempt), ("retryAt", retryAt), ("completedAt", status == DeliveryStatus.Pending ? null : result.At), ("id", delivery.Id));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes deliveries (and their tries) that finished before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        const string Finished = "SELECT id FROM notification_deliveries WHERE status <> @pending AND completed_at < @cutoff";
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync($"DELETE FROM notification_attempts WHERE delivery_id IN ({Finished})", transaction, cancellationToken,
            ("pending", DeliveryStatus.Pending), ("cutoff", cutoff));
        var deleted = await connection.ExecuteAsync($"DELETE FROM notification_deliveries WHERE id IN ({Finished})", transaction, cancellationToken,
            ("pending", DeliveryStatus.Pending), ("cutoff", cutoff));
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>A subscription's latest deliveries, newest first, each with its tries.</summary>
    public async Task<IReadOnlyList<DeliveryView>> ListAsync(Guid subscriptionId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"""
            SELECT id, event, run_id, status, attempts, created_at, completed_at, next_attempt_at FROM notification_deliveries
            WHERE subscription_id = @subscription ORDER BY created_at DESC, id LIMIT @limit;
            SELECT a.delivery_id, a.attempt, a.at, a.status_code, a.error, a.duration_ms FROM notification_attempts a
            WHERE a.delivery_id IN (SELECT id FROM notification_deliveries WHERE subscription_id = @subscription ORDER BY created_at DESC, id LIMIT @limit)
            ORDER BY a.attempt;
            """,
            null, ("subscription", subscriptionId), ("limit", Math.Clamp(limit, 1, MaxListLimit)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<(Guid Id, string Event, Guid? Run, string Status, int Attempts, DateTimeOffset Created, DateTimeOffset? Completed, DateTimeOffset Next)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add((reader.GetId(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetId(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetTimestamp(5), reader.IsDBNull(6) ? null : reader.GetTimestamp(6), reader.GetTimestamp(7)));
        }

        await reader.NextResultAsync(cancellationToken);
        var attempts = new Dictionary<Guid, List<AttemptView>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetId(0);
            if (!attempts.TryGetValue(id, out var list))
                attempts[id] = list = [];
            list.Add(new AttemptView(reader.GetInt32(1), reader.GetTimestamp(2), reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetNullableString(4), reader.GetInt32(5)));
        }

        return deliveries
            .Select(d => new DeliveryView(d.Id, d.Event, d.Run, d.Status, d.Attempts, d.Created, d.Completed, d.Status == DeliveryStatus.Pending ? d.Next : null,
                attempts.GetValueOrDefault(d.Id) ?? []))
            .ToList();
    }
}

/// <summary>Where a delivery is.</summary>
public static class DeliveryStatus
{
    /// <summary>Not delivered yet; tries remain.</summary>
    public const string Pending = "Pending";

    /// <summary>A receiver accepted it (2xx, and no error code in the body for a chat platform).</summary>
    public const string Delivered = "Delivered";

    /// <summary>Every try failed.</summary>
    public const string Failed = "Failed";
}

/// <summary>A delivery to write: its id is the one receivers see (X-MFlow-Delivery).</summary>
public sealed record NewDelivery(Guid Id, Guid SubscriptionId, string Event, Guid? RunId, string Payload);

/// <summary>A delivery taken for a try: <see cref="Attempts"/> tries were made before.</summary>
public sealed record DueDelivery(Guid Id, Guid SubscriptionId, string Event, string Payload, int Attempts, DateTimeOffset CreatedAt);

/// <summary>How a try went.</summary>
public sealed record AttemptResult(bool Delivered, DateTimeOffset At, int? StatusCode, string? Error, TimeSpan Duration);

/// <summary>A delivery in the log.</summary>
public sealed record DeliveryView(
    Guid Id, string Event, Guid? RunId, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, DateTimeOffset? NextAttemptAt,
    IReadOnlyList<AttemptView> AttemptLog);

/// <summary>One try in the log: when, the receiver's status code (null when none answered), the error.</summary>
public sealed record AttemptView(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);
