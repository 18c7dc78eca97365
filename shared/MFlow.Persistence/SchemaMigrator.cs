using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace MFlow.Persistence;

/// <summary>
/// Brings the schema up to date. Every service that uses the database calls it at start-up; a
/// PostgreSQL advisory lock (SQLite: an immediate transaction) makes concurrent starts apply each
/// migration exactly once.
/// </summary>
public sealed class SchemaMigrator(Database database, ILogger<SchemaMigrator> logger)
{
    // An arbitrary constant: the advisory lock id every MFlow service agrees on.
    const long MigrationLockId = 0x4D466C6F77;

    /// <summary>Applies the migrations not applied yet.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.Sqlite)
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", null, cancellationToken);

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.Postgres)
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@id)", transaction, cancellationToken, ("id", MigrationLockId));

        await connection.ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at {database.TimestampType} NOT NULL)",
            transaction, cancellationToken);

        var applied = new HashSet<int>();
        await using (var command = connection.Command("SELECT version FROM schema_migrations", transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                applied.Add(reader.GetInt32(0));
        }

        foreach (var migration in Migrations.All.Where(m => !applied.Contains(m.Version)).OrderBy(m => m.Version))
        {
            foreach (var statement in migration.Statements(database))
                await connection.ExecuteAsync(statement, transaction, cancellationToken);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                transaction, cancellationToken, ("version", migration.Version), ("name", migration.Name), ("at", DateTimeOffset.UtcNow));
            logger.LogInformation("Applied schema migration {Version} ({Name})", migration.Version, migration.Name);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>One schema change, written once for both providers through <see cref="Database"/>'s type names.</summary>
public sealed record Migration(int Version, string Name, Func<Database, IEnumerable<string>> Statements);
