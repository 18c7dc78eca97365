using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Persistence;

namespace MFlow.Scheduler.Clusters;

/// <summary>
/// Registered target clusters. A kubeconfig is encrypted with ASP.NET Core Data Protection before it
/// is stored and decrypted only to hand it to a task's Secret; no API ever returns it.
/// </summary>
public sealed class ClusterStore(Database database, IDataProtectionProvider protection)
{
    readonly IDataProtector _protector = protection.CreateProtector("MFlow.Clusters.Kubeconfig");

    /// <summary>Registers a cluster; false when the id is taken.</summary>
    public async Task<bool> CreateAsync(string id, string? description, string kubeconfig, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        return await connection.ExecuteAsync(
            """
            INSERT INTO clusters (id, description, kubeconfig_protected, created_at, created_by, updated_at)
            VALUES (@id, @description, @kubeconfig, @at, @actor, @at) ON CONFLICT DO NOTHING
            """,
            null, cancellationToken,
            ("id", id), ("description", description), ("kubeconfig", _protector.Protect(kubeconfig)), ("at", now), ("actor", actor)) == 1;
    }

    /// <summary>Replaces a cluster's kubeconfig (and description); false when there is no such cluster.</summary>
    public async Task<bool> UpdateAsync(string id, string? description, string kubeconfig, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE clusters SET description = @description, kubeconfig_protected = @kubeconfig, updated_at = @at WHERE id = @id",
            null, cancellationToken,
            ("id", id), ("description", description), ("kubeconfig", _protector.Protect(kubeconfig)), ("at", DateTimeOffset.UtcNow)) == 1;
    }

    /// <summary>Removes a cluster; false when there is no such cluster.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM clusters WHERE id = @id", null, cancellationToken, ("id", id)) == 1;
    }

    /// <summary>Every cluster, without kubeconfigs.</summary>
    public async Task<IReadOnlyList<ClusterInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT id, description, created_at, created_by, updated_at FROM clusters ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var clusters = new List<ClusterInfo>();
        while (await reader.ReadAsync(cancellationToken))
            clusters.Add(new ClusterInfo(reader.GetString(0), reader.GetNullableString(1), reader.GetTimestamp(2), reader.GetString(3), reader.GetTimestamp(4)));
        return clusters;
    }

    /// <summary>The ids of every registered cluster.</summary>
    public async Task<IReadOnlySet<string>> IdsAsync(CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).Select(c => c.Id).ToHashSet();

    /// <summary>
    /// A cluster's kubeconfig, decrypted, or null; only ever handed to a task's Secret. Read on the
    /// caller's connection: a dispatch holding one connection never waits for a second from the pool.
    /// </summary>
    public async Task<string?> KubeconfigAsync(DbConnection connection, DbTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT kubeconfig_protected FROM clusters WHERE id = @id", transaction, ("id", id));
        return await command.ExecuteScalarAsync(cancellationToken) is string stored ? _protector.Unprotect(stored) : null;
    }
}

/// <summary>A registered cluster as the API shows it: never its kubeconfig.</summary>
public sealed record ClusterInfo(string Id, string? Description, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt);
