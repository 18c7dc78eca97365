using System.Diagnostics;
using Npgsql;

namespace MFlow.Benchmarks;

/// <summary>
/// What the database does with plain Npgsql on the same database: single-row UPDATE transactions
/// (autocommit, prepared, each connection on rows of its own so they never wait on each other's
/// locks) from a few connections in parallel, for a few seconds. Every MFlow state change is at
/// least one such transaction, so this is the ceiling for its transactions per second.
/// </summary>
public static class PostgresBaseline
{
    /// <summary>Connections updating in parallel.</summary>
    public const int Connections = 4;

    const int RowsPerConnection = 250;

    /// <summary>Updates rows for <paramref name="duration"/>; returns updates (transactions) per second.</summary>
    public static async Task<BaselineResult> MeasureAsync(string connectionString, TimeSpan duration)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using (var setup = data.CreateCommand(
            $"""
            CREATE TABLE IF NOT EXISTS bench_baseline (id int PRIMARY KEY, counter bigint NOT NULL);
            INSERT INTO bench_baseline SELECT g, 0 FROM generate_series(1, {Connections * RowsPerConnection}) g ON CONFLICT DO NOTHING;
            """))
        {
            await setup.ExecuteNonQueryAsync();
        }

        try
        {
            await RunAsync(data, TimeSpan.FromMilliseconds(500)); // warm-up, not counted
            var clock = Stopwatch.StartNew();
            var updates = await RunAsync(data, duration);
            var elapsed = clock.Elapsed;
            return new BaselineResult(updates / elapsed.TotalSeconds, updates, elapsed);
        }
        finally
        {
            await using var drop = data.CreateCommand("DROP TABLE IF EXISTS bench_baseline");
            await drop.ExecuteNonQueryAsync();
        }
    }

    static async Task<long> RunAsync(NpgsqlDataSource data, TimeSpan duration)
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async worker =>
        {
            await using var connection = await data.OpenConnectionAsync();
            await using var update = new NpgsqlCommand("UPDATE bench_baseline SET counter = counter + 1 WHERE id = @id", connection);
            var id = new NpgsqlParameter<int>("id", 0);
            update.Parameters.Add(id);
            await update.PrepareAsync();
            var clock = Stopwatch.StartNew();
            long done = 0;
            while (clock.Elapsed < duration)
            {
                id.TypedValue = worker * RowsPerConnection + 1 + (int)(done % RowsPerConnection);
                await update.ExecuteNonQueryAsync();
                done++;
            }

            return done;
        }));
        return counts.Sum();
    }
}
