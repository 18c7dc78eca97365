using Npgsql;

namespace MFlow.Testing;

/// <summary>
/// A fresh, empty database <c>t_&lt;guid&gt;</c> on the throwaway PostgreSQL, dropped on dispose; one per
/// test (or test class) so that tests never see each other's rows.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private int _disposed;

    private PostgresDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name, <c>t_</c> followed by 32 hexadecimal digits.</summary>
    public string Name { get; }

    /// <summary>Npgsql connection string for this database (same server, user and settings as <see cref="TestEnvironment.PostgresConnectionString"/>).</summary>
    public string ConnectionString { get; }

    /// <summary>Creates the database on the server named by <see cref="TestEnvironment.PostgresConnectionString"/>.</summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="InvalidOperationException">The environment does not name a server.</exception>
    public static async Task<PostgresDatabase> CreateAsync(CancellationToken cancellationToken = default)
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\"", cancellationToken).ConfigureAwait(false);
        var connectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = name }
            .ConnectionString;
        return new PostgresDatabase(name, connectionString);
    }

    /// <summary>Opens a connection to this database; the caller disposes it.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Drops the database, terminating whatever is still connected to it (services included).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task ExecuteOnServerAsync(string sql, CancellationToken cancellationToken)
    {
        // No pooling for these administrative statements: a pooled connection would keep a session
        // open on the server, and would be dead after a server restart.
        var connectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Pooling = false }
            .ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
