using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MFlow.Persistence;

/// <summary>
/// Opens connections to MFlow's database and hides the few differences between PostgreSQL and
/// SQLite that the SQL we write cares about.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    readonly NpgsqlDataSource? _postgres;
    readonly string? _sqliteConnectionString;
    readonly string? _postgresConnectionString;

    /// <summary>Creates the database access for the given options.</summary>
    public Database(DatabaseOptions options)
    {
        Provider = options.Provider;
        var connectionString = options.ConnectionString
            ?? throw new InvalidOperationException(
                "No database connection string: set ConnectionStrings:Postgres (env ConnectionStrings__Postgres) or MFlow:Database:ConnectionString.");
        if (Provider == DatabaseProvider.Postgres)
        {
            // No reset when a pooled connection is returned: MFlow never leaves session state behind
            // (no SET, no session locks, no temporary tables), and the reset (DISCARD ALL) was a
            // server transaction of its own on every use of the pool: over a third of the database's
            // transactions per task. It would also drop the statements prepared below.
            var pooled = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
            // The same few dozen statements run for every task: prepared once per connection, each
            // is parsed and planned once instead of on every use (Npgsql prepares a statement after
            // its fifth use and keeps the most used ones). A connection string that says otherwise
            // wins: "Max Auto Prepare=0" behind a pooler that cannot keep prepared statements
            // (PgBouncer before 1.21 in transaction mode).
            if (!Mentions(connectionString, "MaxAutoPrepare"))
                pooled.MaxAutoPrepare = AutoPreparedStatements;
            _postgres = NpgsqlDataSource.Create(pooled.ConnectionString);
            // A listening connection keeps its LISTEN for life: never one the pool hands out again.
            _postgresConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 }.ConnectionString;
        }
        else
        {
            // A busy timeout lets concurrent writers in one process queue up instead of failing with SQLITE_BUSY.
            _sqliteConnectionString = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 30, Pooling = true }.ToString();
        }
    }

    /// <summary>
    /// How many statements each PostgreSQL connection keeps prepared unless its connection string
    /// sets Max Auto Prepare: the hot path's statements with room to spare, while each connection's
    /// plans stay small on the server.
    /// </summary>
    public const int AutoPreparedStatements = 64;

    /// <summary>The database in use.</summary>
    public DatabaseProvider Provider { get; }

    /// <summary>The type of a column holding a timestamp with time zone.</summary>
    public string TimestampType => Provider == DatabaseProvider.Postgres ? "timestamptz" : "TEXT";

    /// <summary>The type of a column holding an id.</summary>
    public string IdType => Provider == DatabaseProvider.Postgres ? "uuid" : "TEXT";

    /// <summary>An auto-incrementing integer primary key column's type and constraint.</summary>
    public string SerialPrimaryKey => Provider == DatabaseProvider.Postgres ? "bigserial PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <summary>Opens a connection.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(cancellationToken);

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken);
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }

        return connection;
    }

    /// <summary>A PostgreSQL connection (not opened yet) for LISTEN, outside the pool.</summary>
    public NpgsqlConnection CreateListenerConnection() =>
        new(_postgresConnectionString ?? throw new InvalidOperationException("Only PostgreSQL has notifications."));

    // Whether the connection string sets this keyword itself (any case, any spacing Npgsql accepts).
    static bool Mentions(string connectionString, string keyword)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.Keys.Cast<string>().Any(key => string.Equals(key.Replace(" ", ""), keyword, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when the exception is a primary key or unique constraint violation.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 1555 or 2067,
        _ => false,
    };

    /// <summary>
    /// True when a transaction failed only because another one raced it and trying again on fresh
    /// state will do: a deadlock or serialization failure (PostgreSQL), a busy or locked database (SQLite).
    /// </summary>
    public static bool IsConcurrencyConflict(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        _ => false,
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        if (_sqliteConnectionString is not null)
            SqliteConnection.ClearAllPools();
    }
}
