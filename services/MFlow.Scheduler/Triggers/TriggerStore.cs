using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Persistence;

namespace MFlow.Scheduler.Triggers;

/// <summary>
/// Stored git triggers and the deliveries they received. A trigger's secret is encrypted with ASP.NET
/// Core Data Protection before it is stored, decrypted only to verify a delivery, and never returned.
/// </summary>
public sealed class TriggerStore(Database database, IDataProtectionProvider protection)
{
    /// <summary>The most deliveries kept per trigger; older ones are forgotten as new ones arrive.</summary>
    public const int KeptDeliveries = 200;

    const string Columns = "name, description, provider, repository, pipeline, branches, tags, params, clone_url, enabled, created_at, created_by, updated_at";

    readonly IDataProtector _protector = protection.CreateProtector("MFlow.Triggers.Secret");

    /// <summary>Stores a new trigger; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(GitTrigger trigger, string secret, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"""
            INSERT INTO git_triggers ({Columns}, secret_protected)
            VALUES (@name, @description, @provider, @repository, @pipeline, @branches, @tags, @params, @cloneUrl, @enabled, @createdAt, @createdBy, @updatedAt, @secret)
            ON CONFLICT DO NOTHING
            """,
            null, cancellationToken, [.. Values(trigger), ("secret", _protector.Protect(secret))]) == 1;
    }

    /// <summary>Replaces a trigger's settings, and its secret when one is given; false when there is no such trigger.</summary>
    public async Task<bool> UpdateAsync(GitTrigger trigger, string? secret, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"""
            UPDATE git_triggers SET description = @description, provider = @provider, repository = @repository, pipeline = @pipeline,
                branches = @branches, tags = @tags, params = @params, clone_url = @cloneUrl, enabled = @enabled, updated_at = @updatedAt,
                secret_protected = COALESCE(@secret, secret_protected)
            WHERE name = @name
            """,
            null, cancellationToken, [.. Values(trigger), ("secret", secret is null ? null : _protector.Protect(secret))]) == 1;
    }

    /// <summary>Removes a trigger and its deliveries; false when there is no such trigger.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM git_trigger_deliveries WHERE trigger_name = @name", transaction, cancellationToken, ("name", name));
        var deleted = await connection.ExecuteAsync("DELETE FROM git_triggers WHERE name = @name", transaction, cancellationToken, ("name", name)) == 1;
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>A trigger, or null.</summary>
    public async Task<GitTrigger?> GetAsync(string name, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM git_triggers WHERE name = @name", cancellationToken, ("name", name))).FirstOrDefault();

    /// <summary>Every trigger, by name.</summary>
    public Task<IReadOnlyList<GitTrigger>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM git_triggers ORDER BY name", cancellationToken);

    /// <summary>A trigger's secret, decrypted, or null; only ever used to verify a delivery.</summary>
    public async Task<string?> SecretAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT secret_protected FROM git_triggers WHERE name = @name", null, ("name", name));
        return await command.ExecuteScalarAsync(cancellationToken) is string stored ? _protector.Unprotect(stored) : null;
    }

    /// <summary>A delivery recorded before, or null: a redelivery gets the answer the first delivery got.</summary>
    public async Task<TriggerDelivery?> FindDeliveryAsync(string trigger, string deliveryId, CancellationToken cancellationToken) =>
        (await DeliveriesAsync("WHERE trigger_name = @trigger AND delivery_id = @delivery", 1, cancellationToken, ("trigger", trigger), ("delivery", deliveryId))).FirstOrDefault();

    /// <summary>
    /// Records a delivery (once per id: a redelivery replaces only a <see cref="TriggerOutcomes.Failed"/>
    /// record, it was tried again) and forgets the trigger's oldest beyond <see cref="KeptDeliveries"/>.
    /// </summary>
    public async Task RecordAsync(string trigger, TriggerDelivery delivery, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            INSERT INTO git_trigger_deliveries (trigger_name, delivery_id, received_at, event, git_ref, git_commit, outcome, reason, run_id)
            VALUES (@trigger, @delivery, @at, @event, @ref, @commit, @outcome, @reason, @run)
            ON CONFLICT (trigger_name, delivery_id) DO UPDATE SET received_at = excluded.received_at, event = excluded.event, git_ref = excluded.git_ref,
                git_commit = excluded.git_commit, outcome = excluded.outcome, reason = excluded.reason, run_id = excluded.run_id
            WHERE git_trigger_deliveries.outcome = '{TriggerOutcomes.Failed}'
            """,
            null, cancellationToken,
            ("trigger", trigger), ("delivery", delivery.DeliveryId), ("at", delivery.ReceivedAt), ("event", delivery.Event), ("ref", delivery.Ref),
            ("commit", delivery.Commit), ("outcome", delivery.Outcome), ("reason", delivery.Reason), ("run", delivery.RunId));
        await connection.ExecuteAsync(
            $"""
            DELETE FROM git_trigger_deliveries WHERE trigger_name = @trigger AND delivery_id NOT IN (
                SELECT delivery_id FROM git_trigger_deliveries WHERE trigger_name = @trigger ORDER BY received_at DESC LIMIT {KeptDeliveries})
            """,
            null, cancellationToken, ("trigger", trigger));
    }

    /// <summary>A trigger's most recent deliveries, newest first.</summary>
    public Task<IReadOnlyList<TriggerDelivery>> RecentDeliveriesAsync(string trigger, int limit, CancellationToken cancellationToken) =>
        DeliveriesAsync("WHERE trigger_name = @trigger", limit, cancellationToken, ("trigger", trigger));

    async Task<IReadOnlyList<TriggerDelivery>> DeliveriesAsync(string where, int limit, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT delivery_id, received_at, event, git_ref, git_commit, outcome, reason, run_id FROM git_trigger_deliveries {where} ORDER BY received_at DESC LIMIT {limit}",
            null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<TriggerDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new TriggerDelivery(
                reader.GetString(0), reader.GetTimestamp(1), reader.GetString(2), reader.GetNullableString(3), reader.GetNullableString(4),
                reader.GetString(5), reader.GetNullableString(6), reader.IsDBNull(7) ? null : reader.GetId(7)));
        }

        return deliveries;
    }

    async Task<IReadOnlyList<GitTrigger>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql, null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var triggers = new List<GitTrigger>();
        while (await reader.ReadAsync(cancellationToken))
            triggers.Add(Read(reader));
        return triggers;
    }

    static GitTrigger Read(DbDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Description = reader.GetNullableString(1),
        Provider = reader.GetString(2),
        Repository = reader.GetString(3),
        Pipeline = reader.GetString(4),
        Branches = JsonSerializer.Deserialize<List<string>>(reader.GetString(5)) ?? [],
        Tags = JsonSerializer.Deserialize<List<string>>(reader.GetString(6)) ?? [],
        Params = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(7)) ?? [],
        CloneUrl = reader.GetString(8),
        Enabled = reader.GetBoolean(9),
        CreatedAt = reader.GetTimestamp(10),
        CreatedBy = reader.GetString(11),
        UpdatedAt = reader.GetTimestamp(12),
    };

    static (string Name, object? Value)[] Values(GitTrigger trigger) =>
    [
        ("name", trigger.Name), ("description", trigger.Description), ("provider", trigger.Provider), ("repository", trigger.Repository),
        ("pipeline", trigger.Pipeline), ("branches", JsonSerializer.Serialize(trigger.Branches)), ("tags", JsonSerializer.Serialize(trigger.Tags)),
        ("params", JsonSerializer.Serialize(trigger.Params)), ("cloneUrl", trigger.CloneUrl), ("enabled", trigger.Enabled),
        ("createdAt", trigger.CreatedAt), ("createdBy", trigger.CreatedBy), ("updatedAt", trigger.UpdatedAt),
    ];
}
