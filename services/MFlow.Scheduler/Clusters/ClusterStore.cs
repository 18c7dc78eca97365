using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Persistence;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Clusters;

/// <summary>
/// Registered target clusters. A kubeconfig is encrypted with ASP.NET Core Data Protection before it
/// is stored and decrypted only to hand it to a task's Secret; no API ever returns it.
/// </summary>
/// <remarks>
/// Every submission checks the clusters its tasks name, so the ids are kept in memory (see
/// <see cref="WithIdsAsync{T}"/>) rather than read for each run. What stays exact without the cache:
/// dispatching reads a task's cluster in the dispatch transaction (<see cref="KubeconfigAsync"/>).
/// </remarks>
public sealed class ClusterStore(Database database, IDataProtectionProvider protection, TimeProvider time)
{
    /// <summary>
    /// How long a replica trusts the ids it read: a cluster deleted through another replica may still
    /// pass its submission check this long (its tasks then fail at dispatch, never reaching it).
    /// </summary>
    public static readonly TimeSpan IdsTrustedFor = TimeSpan.FromSeconds(5);

    readonly IDataProtector _protector = protection.CreateProtector("MFlow.Clusters.Kubeconfig");
    KnownIds? _known;
    long _writes;

    /// <summary>Registers a cluster; false when the id is taken.</summary>
    public async Task<bool> CreateAsync(string id, string? description, string kubeconfig, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        try
        {
            return await connection.ExecuteAsync(
                """
                INSERT INTO clusters (id, description, kubeconfig_protected, created_at, created_by, updated_at)
                VALUES (@id, @description, @kubeconfig, @at, @actor, @at) ON CONFLICT DO NOTHING
                """,
                null, cancellationToken,
                ("id", id), ("description", description), ("kubeconfig", _protector.Protect(kubeconfig)), ("at", now), ("actor", actor)) == 1;
        }
        finally
        {
            Forget(); // also when the answer was lost: the row may have been written
        }
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
        try
        {
            return await connection.ExecuteAsync("DELETE FROM clusters WHERE id = @id", null, cancellationToken, ("id", id)) == 1;
        }
        finally
        {
            Forget();
        }
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

    /// <summary>
    /// Runs <paramref name="check"/> (a run's planning) with the ids of the registered clusters: the
    /// ids this replica read less than <see cref="IdsTrustedFor"/> ago and changed nothing since, else
    /// read now. A name the kept ids lack is never refused on their word: when <paramref name="check"/>
    /// fails after asking for one, it runs again with the ids read now (the cluster may have been
    /// registered through another replica a moment ago).
    /// </summary>
    public async Task<T> WithIdsAsync<T>(Func<IReadOnlySet<string>, T> check, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _known) is not { } known || !IsTrusted(known))
            return check(await ReadIdsAsync(cancellationToken));

        var asked = new AskedIds(known.Ids);
        try
        {
            return check(asked);
        }
        catch (PipelineValidationException) when (asked.Missed)
        {
            return check(await ReadIdsAsync(cancellationToken));
        }
    }

    /// <summary>
    /// A cluster's kubeconfig, decrypted, or null when no such cluster is registered; only ever handed
    /// to a task's Secret. Read on the caller's connection (a dispatch holding one connection never
    /// waits for a second from the pool), in the dispatch's transaction and, on PostgreSQL, with the row
    /// locked against deletion until it commits: a cluster deleted before the dispatch is never
    /// dispatched to, and a deletion waits for a dispatch that read the cluster first.
    /// </summary>
    public async Task<string?> KubeconfigAsync(DbConnection connection, DbTransaction transaction, string id, CancellationToken cancellationToken)
    {
        var lockRow = database.Provider == DatabaseProvider.Postgres ? " FOR KEY SHARE" : "";
        await using var command = connection.Command($"SELECT kubeconfig_protected FROM clusters WHERE id = @id{lockRow}", transaction, ("id", id));
        return await command.ExecuteScalarAsync(cancellationToken) is string stored ? _protector.Unprotect(stored) : null;
    }

    async Task<IReadOnlySet<string>> ReadIdsAsync(CancellationToken cancellationToken)
    {
        // A write after this point makes what is read here stale: it is then used once, not kept.
        var writes = Interlocked.Read(ref _writes);
        var readAt = time.GetTimestamp();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.Command("SELECT id FROM clusters"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                ids.Add(reader.GetString(0));
        }

        Volatile.Write(ref _known, new KnownIds(ids, readAt, writes));
        return ids;
    }

    bool IsTrusted(KnownIds known) =>
        known.Writes == Interlocked.Read(ref _writes) && time.GetElapsedTime(known.ReadAt) < IdsTrustedFor;

    // After a write of this replica: the next check reads the ids again.
    void Forget()
    {
        Interlocked.Increment(ref _writes);
        Volatile.Write(ref _known, null);
    }

    sealed record KnownIds(IReadOnlySet<string> Ids, long ReadAt, long Writes);

    // The kept ids, noting whether a name they lack was asked for.
    sealed class AskedIds(IReadOnlySet<string> ids) : IReadOnlySet<string>
    {
        public bool Missed { get; private set; }

        public int Count => ids.Count;

        public bool Contains(string item)
        {
            var found = ids.Contains(item);
            Missed |= !found;
            return found;
        }

        public IEnumerator<string> GetEnumerator() => ids.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public bool IsProperSubsetOf(IEnumerable<string> other) => ids.IsProperSubsetOf(other);

        public bool IsProperSupersetOf(IEnumerable<string> other) => ids.IsProperSupersetOf(other);

        public bool IsSubsetOf(IEnumerable<string> other) => ids.IsSubsetOf(other);

        public bool IsSupersetOf(IEnumerable<string> other) => ids.IsSupersetOf(other);

        public bool Overlaps(IEnumerable<string> other) => ids.Overlaps(other);

        public bool SetEquals(IEnumerable<string> other) => ids.SetEquals(other);
    }
}

/// <summary>A registered cluster as the API shows it: never its kubeconfig.</summary>
public sealed record ClusterInfo(string Id, string? Description, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt);
