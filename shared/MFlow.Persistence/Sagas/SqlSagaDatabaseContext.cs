using System.Data.Common;
using System.Text.Json;
using MassTransit;

namespace MFlow.Persistence.Sagas;

/// <summary>
/// One message's view of a saga table: a connection, and the instances it loaded with the JSON they
/// were loaded as, so an update that changes nothing writes nothing and an update that lost a race
/// is detected by the version it expected.
/// </summary>
public sealed class SqlSagaDatabaseContext<TSaga>(DbConnection connection, string table, JsonSerializerOptions json) : IAsyncDisposable
    where TSaga : class, IStoredSaga
{
    readonly Dictionary<Guid, (int Version, string Json)> _loaded = [];

    /// <summary>Loads an instance, or null.</summary>
    public async Task<TSaga?> LoadAsync(Guid correlationId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"SELECT current_state, version, data FROM {table} WHERE correlation_id = @id", null, ("id", correlationId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;

        var data = reader.GetString(2);
        var instance = JsonSerializer.Deserialize<TSaga>(data, json)
            ?? throw new InvalidOperationException($"The saga row {correlationId} in {table} holds no document.");
        instance.Version = reader.GetInt32(1);
        instance.CurrentState = reader.GetString(0);
        // The stored text is what this instance serializes to while unchanged, so it is kept as the
        // reference rather than serialized again (a run's document grows with its tasks; serializing
        // it was most of the aggregator's work per message). Should the two ever differ, an update
        // that changes nothing writes once more, which is harmless.
        _loaded[correlationId] = (instance.Version, data);
        return instance;
    }

    /// <summary>Inserts a new instance; losing the race to another consumer is a <see cref="ConcurrencyException"/>.</summary>
    public async Task InsertAsync(TSaga instance, CancellationToken cancellationToken)
    {
        instance.Version = 1;
        var data = Serialize(instance);
        try
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {table} (correlation_id, current_state, version, data, updated_at) VALUES (@id, @state, 1, @data, @at)",
                null, cancellationToken,
                ("id", instance.CorrelationId), ("state", instance.CurrentState), ("data", data), ("at", DateTimeOffset.UtcNow));
        }
        catch (DbException ex) when (Database.IsUniqueViolation(ex))
        {
            instance.Version = 0;
            throw new ConcurrencyException("Another consumer created this saga instance first", typeof(TSaga), instance.CorrelationId, ex);
        }

        _loaded[instance.CorrelationId] = (1, data);
    }

    /// <summary>
    /// Writes an instance back if it changed, expecting the version it was loaded with; a different
    /// version means another consumer wrote first, and the message is retried on fresh state.
    /// </summary>
    public async Task UpdateAsync(TSaga instance, CancellationToken cancellationToken)
    {
        if (!_loaded.TryGetValue(instance.CorrelationId, out var loaded))
        {
            await InsertAsync(instance, cancellationToken);
            return;
        }

        // The document leaves the version out (see SqlSagaRepositoryOptions), so one serialization
        // both tells whether anything changed and is what gets written under the next version.
        instance.Version = loaded.Version;
        var data = Serialize(instance);
        if (data == loaded.Json)
            return; // a duplicate or stale message: nothing to write

        var next = loaded.Version + 1;
        instance.Version = next;
        var rows = await connection.ExecuteAsync(
            $"UPDATE {table} SET current_state = @state, version = @next, data = @data, updated_at = @at WHERE correlation_id = @id AND version = @expected",
            null, cancellationToken,
            ("state", instance.CurrentState), ("next", next), ("data", data), ("at", DateTimeOffset.UtcNow),
            ("id", instance.CorrelationId), ("expected", loaded.Version));
        if (rows == 0)
        {
            instance.Version = loaded.Version;
            throw new ConcurrencyException($"Saga version {loaded.Version} was already superseded", typeof(TSaga), instance.CorrelationId);
        }

        _loaded[instance.CorrelationId] = (next, data);
    }

    /// <summary>Deletes an instance that finalized and asked to be removed.</summary>
    public Task DeleteAsync(TSaga instance, CancellationToken cancellationToken) =>
        connection.ExecuteAsync($"DELETE FROM {table} WHERE correlation_id = @id", null, cancellationToken, ("id", instance.CorrelationId));

    string Serialize(TSaga instance) => JsonSerializer.Serialize(instance, json);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
