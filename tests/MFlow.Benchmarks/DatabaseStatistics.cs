using Npgsql;
using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>
/// Transactions in one database: committed and rolled back from <c>pg_stat_database</c> (read through
/// the server's <c>postgres</c> database, so reading adds nothing to the count), and transactions
/// that wrote, from the server's next transaction id (read without taking one).
/// </summary>
public sealed class DatabaseStatistics(string databaseName)
{
    // Backends report their counts when idle, at most once a second, and when the shared statistics
    // were busy at that moment, 10 s later: only a reading that long after the work ended is complete.
    static readonly TimeSpan ReportDelay = TimeSpan.FromSeconds(11);

    /// <summary>The counters now, as the statistics collector has them.</summary>
    public async Task<DatabaseCounters> ReadAsync()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(BenchmarkServers.Postgres.ConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT xact_commit, xact_rollback, pg_snapshot_xmax(pg_current_snapshot())::text::bigint
            FROM pg_stat_database WHERE datname = @name
            """,
            connection);
        command.Parameters.AddWithValue("name", databaseName);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new DatabaseCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : new DatabaseCounters(0, 0, 0);
    }

    /// <summary>The counters once every backend has reported what it did (at least 11 s after the work ended, then until stable).</summary>
    public async Task<DatabaseCounters> ReadWhenSettledAsync(TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + ReportDelay + timeout;
        await Task.Delay(ReportDelay);
        var previous = await ReadAsync();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1200));
            var current = await ReadAsync();
            if ((current.Committed == previous.Committed && current.RolledBack == previous.RolledBack) || DateTimeOffset.UtcNow > deadline)
                return current;
            previous = current;
        }
    }
}

/// <summary>A database's cumulative transaction counts.</summary>
/// <param name="Committed">Transactions committed (read-only ones included).</param>
/// <param name="RolledBack">Transactions rolled back.</param>
/// <param name="Writes">The server's next transaction id: it moves once for every transaction that wrote (in any database; only this one is busy).</param>
public sealed record DatabaseCounters(long Committed, long RolledBack, long Writes)
{
    /// <summary>What happened between <paramref name="before"/> and this.</summary>
    public DatabaseCounters Since(DatabaseCounters before) => new(Committed - before.Committed, RolledBack - before.RolledBack, Writes - before.Writes);
}
