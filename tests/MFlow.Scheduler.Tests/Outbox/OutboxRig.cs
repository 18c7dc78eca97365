using MassTransit;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Scheduler.Tests.Outbox;

/// <summary>
/// The scheduler's outbox over a fresh, migrated SQLite database in a temporary directory, relaying to
/// an in-memory bus with one receive endpoint that the test sets up.
/// </summary>
internal sealed class OutboxRig : IAsyncDisposable
{
    readonly string _directory;

    OutboxRig(string directory, Database database, IBusControl bus)
    {
        _directory = directory;
        Database = database;
        Bus = bus;
        Outbox = new Scheduler.Outbox.Outbox(database, bus, new EphemeralDataProtectionProvider(), NullLogger<Scheduler.Outbox.Outbox>.Instance);
    }

    /// <summary>The database the outbox stores its rows in.</summary>
    public Database Database { get; }

    /// <summary>The bus the outbox publishes to.</summary>
    public IBusControl Bus { get; }

    /// <summary>The outbox under test.</summary>
    public Scheduler.Outbox.Outbox Outbox { get; }

    /// <summary>Writes <paramref name="messages"/> to the outbox in one committed transaction, as a change that causes them does.</summary>
    public async Task<IReadOnlyList<PendingMessage>> EnqueueAsync(params object[] messages)
    {
        await using var connection = await Database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var pending = await Outbox.EnqueueAsync(connection, transaction, messages, CancellationToken.None);
        await transaction.CommitAsync();
        return pending;
    }

    /// <summary>Creates the database, migrates it, and starts the bus with the endpoint <paramref name="configure"/> sets up.</summary>
    public static async Task<OutboxRig> StartAsync(string endpoint, Action<IInMemoryReceiveEndpointConfigurator> configure)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mflow-outbox-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var database = new Database(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(directory, "mflow.db")}" });
        await new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var bus = MassTransit.Bus.Factory.CreateUsingInMemory(cfg => cfg.ReceiveEndpoint(endpoint, configure));
        await bus.StartAsync();
        return new OutboxRig(directory, database, bus);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Bus.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
