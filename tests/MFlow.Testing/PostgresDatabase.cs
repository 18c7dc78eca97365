using Npgsql;

namespace MFlow.Testing;

/// <summary>
/// A fresh, empty database <c>t_&lt;guid&gt;</c> on the test run's PostgreSQL, dropped on dispose; one per
/// test (or test class) so that tests never see each other's rows.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private int _disposed;

    private readonly PostgresServer _server;

    private PostgresDatabase(PostgresServer server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name, <c>t_</c> followed by 32 hexadecimal digits.</summary>
    public string Name { get; }

    /// <summary>Npgsql connection string for this database (same server, user and settings as the server's).</summary>
    public string ConnectionString { get; }

    /// <summary>Creates the database.</summary>
    /// <param name="server">The server; by default the test run's (<see cref="TestEnvironment.PostgresAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="InvalidOperationException">The test run's server could not be started.</exception>
    public static async Task<PostgresDatabase> CreateAsync(PostgresServer? server = null, CancellationToken cancellationToken = default)
    {
        server ??= await TestEnvironment.PostgresAsync(cancellationToken).ConfigureAwait(false);
        var name = "t_" + Guid.NewGuid().ToString("N");
        await ExecuteOnServerAsync(server, $"CREATE DATABASE \"{name}\"", cancellationToken).ConfigureAwait(false);
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        return new PostgresDatabase(server, name, connectionString);
    }

    /// <summary>Opens a connection to this database; the caller disposes it.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <remarks>A connect refused at the socket level is tried again (<see cref="RefusedConnect"/>).</remarks>
    public Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        RefusedConnect.RetryAsync(() => OpenAsync(ConnectionString, cancellationToken), cancellationToken);

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

        await ExecuteOnServerAsync(_server, $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task ExecuteOnServerAsync(PostgresServer server, string sql, CancellationToken cancellationToken)
    {
        // No pooling for these administrative statements: a pooled connection would keep a session
        // open on the server, and would be dead after a server restart.
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }
            .ConnectionString;
        await using var connection = await RefusedConnect.RetryAsync(() => OpenAsync(connectionString, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
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
}
