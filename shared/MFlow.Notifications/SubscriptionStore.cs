using System.Data.Common;
using System.Text.Json;
using MFlow.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace MFlow.Notifications;

/// <summary>
/// The subscriptions (table notification_subscriptions): written through the API, read by the
/// notifier. A secret is encrypted with the key ring before it is stored and decrypted only to sign a delivery.
/// </summary>
public sealed class SubscriptionStore(Database database, IDataProtectionProvider protection)
{
    const string Columns = "id, name, target, url, secret_protected, pipelines, events, enabled, created_at, created_by, updated_at";

    readonly IDataProtector _protector = protection.CreateProtector("MFlow.Notifications.SubscriptionSecret");

    /// <summary>Creates a subscription from a valid request; null when the name is taken.</summary>
    public async Task<Subscription?> CreateAsync(SubscriptionRequest request, string actor, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var subscription = Apply(new Subscription { Id = Guid.CreateVersion7(), CreatedAt = now, CreatedBy = actor }, request, now);
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            $"""
            INSERT INTO notification_subscriptions ({Columns})
            VALUES (@id, @name, @target, @url, @secret, @pipelines, @events, @enabled, @createdAt, @createdBy, @updatedAt)
            ON CONFLICT DO NOTHING
            """,
            null, cancellationToken, Parameters(subscription));
        return inserted == 1 ? subscription : null;
    }

    /// <summary>Replaces a subscription with a valid request (absent url and secret kept): the new one, or null with NameTaken when another has its name.</summary>
    public async Task<(Subscription? Updated, bool NameTaken)> UpdateAsync(Subscription stored, SubscriptionRequest request, CancellationToken cancellationToken)
    {
        var subscription = Apply(stored, request, DateTimeOffset.UtcNow);
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            var updated = await connection.ExecuteAsync(
                """
                UPDATE notification_subscriptions SET name = @name, target = @target, url = @url, secret_protected = @secret, pipelines = @pipelines,
                    events = @events, enabled = @enabled, updated_at = @updatedAt
                WHERE id = @id
                """,
                null, cancellationToken, Parameters(subscription));
            return (updated == 1 ? subscription : null, false);
        }
        catch (DbException ex) when (Database.IsUniqueViolation(ex))
        {
            return (null, true);
        }
    }

    /// <summary>Removes a subscription and its delivery log; false when there is none.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            "DELETE FROM notification_attempts WHERE delivery_id IN (SELECT id FROM notification_deliveries WHERE subscription_id = @id)",
            transaction, cancellationToken, ("id", id));
        await connection.ExecuteAsync("DELETE FROM notification_deliveries WHERE subscription_id = @id", transaction, cancellationToken, ("id", id));
        var deleted = await connection.ExecuteAsync("DELETE FROM notification_subscriptions WHERE id = @id", transaction, cancellationToken, ("id", id));
        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    /// <summary>One subscription, or null.</summary>
    public async Task<Subscription?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM notification_subscriptions WHERE id = @id", cancellationToken, ("id", id))).FirstOrDefault();

    /// <summary>Every subscription, by name.</summary>
    public Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM notification_subscriptions ORDER BY name", cancellationToken);

    /// <summary>The enabled subscriptions that want <paramref name="eventName"/> about <paramref name="pipelineName"/>.</summary>
    public async Task<IReadOnlyList<Subscription>> MatchingAsync(string eventName, string pipelineName, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM notification_subscriptions WHERE enabled = @yes", cancellationToken, ("yes", true)))
            .Where(s => s.Wants(eventName, pipelineName))
            .ToList();

    /// <summary>A subscription's secret in the clear, for signing; null when it has none.</summary>
    public string? Secret(Subscription subscription) =>
        subscription.ProtectedSecret is { } stored ? _protector.Unprotect(stored) : null;

    Subscription Apply(Subscription subscription, SubscriptionRequest request, DateTimeOffset now) => subscription with
    {
        Name = request.Name!.Trim(),
        Target = request.Target ?? subscription.Target,
        Url = request.Url ?? subscription.Url,
        ProtectedSecret = request.Secret is { } secret ? _protector.Protect(secret) : subscription.ProtectedSecret,
        Pipelines = request.Pipelines is { } pipelines ? pipelines.Select(p => p!.Trim()).Distinct().ToList() : [],
        Events = request.Events is { } events ? events.Select(e => e!).Distinct().ToList() : [.. NotificationEvents.All],
        Enabled = request.Enabled ?? true,
        UpdatedAt = now,
    };

    static (string, object?)[] Parameters(Subscription s) =>
    [
        ("id", s.Id), ("name", s.Name), ("target", s.Target), ("url", s.Url), ("secret", s.ProtectedSecret),
        ("pipelines", JsonSerializer.Serialize(s.Pipelines, StoredJson.Options)), ("events", JsonSerializer.Serialize(s.Events, StoredJson.Options)),
        ("enabled", s.Enabled), ("createdAt", s.CreatedAt), ("createdBy", s.CreatedBy), ("updatedAt", s.UpdatedAt),
    ];

    async Task<IReadOnlyList<Subscription>> QueryAsync(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql, null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var subscriptions = new List<Subscription>();
        while (await reader.ReadAsync(cancellationToken))
        {
            subscriptions.Add(new Subscription
            {
                Id = reader.GetId(0),
                Name = reader.GetString(1),
                Target = reader.GetString(2),
                Url = reader.GetString(3),
                ProtectedSecret = reader.GetNullableString(4),
                Pipelines = JsonSerializer.Deserialize<List<string>>(reader.GetString(5), StoredJson.Options) ?? [],
                Events = JsonSerializer.Deserialize<List<string>>(reader.GetString(6), StoredJson.Options) ?? [],
                Enabled = reader.GetBoolean(7),
                CreatedAt = reader.GetTimestamp(8),
                CreatedBy = reader.GetString(9),
                UpdatedAt = reader.GetTimestamp(10),
            });
        }

        return subscriptions;
    }
}
