using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Persistence;
using MFlow.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// The aggregator's outbox on a test's own PostgreSQL database, its schema migrated: for the tests
/// that drive the outbox and its relay directly instead of through an aggregator.
/// </summary>
public sealed class OutboxStorage : IAsyncDisposable
{
    OutboxStorage(Database database) => Database = database;

    /// <summary>The aggregator's access to the database.</summary>
    public Database Database { get; }

    /// <summary>Migrates the aggregator's schema into <paramref name="database"/>.</summary>
    public static async Task<OutboxStorage> MigrateAsync(PostgresDatabase database)
    {
        var storage = new OutboxStorage(new Database(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = database.ConnectionString }));
        await new SchemaMigrator(storage.Database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return storage;
    }

    /// <summary>An aggregator's outbox (one replica's) that relays with <paramref name="bus"/>.</summary>
    public AggregatorOutbox Outbox(IBus bus) => new(Database, bus, NullLogger<AggregatorOutbox>.Instance);

    /// <summary>
    /// Commits <paramref name="messages"/> to the outbox in one transaction and publishes none of
    /// them, as an aggregator whose publish after the commit failed leaves them: the relay's to publish.
    /// </summary>
    public async Task EnqueueAsync(AggregatorOutbox outbox, IEnumerable<object> messages)
    {
        await using var connection = await Database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await outbox.EnqueueAsync(connection, transaction, messages, CancellationToken.None);
        await transaction.CommitAsync();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
