using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;

namespace MFlow.Persistence.Outbox;

/// <summary>
/// MFlow's transactional outbox (MassTransit's needs EF Core, which cannot be had here): messages are
/// written in the same transaction as the state change that causes them, published right after
/// commit, and deleted once the broker confirmed them. Whatever a crash leaves behind,
/// <see cref="OutboxRelay{TOutbox}"/> publishes later, so a committed change's messages are never
/// lost; a message may go out twice, which every consumer tolerates. Each service has its own table
/// and its own subclass (the scheduler encrypts secret values at rest, see <see cref="Seal"/>).
/// A <see cref="DelayedMessage"/> is a timer: written the same way, published by the relay once due.
/// </summary>
public abstract class TransactionalOutbox(Database database, IBus bus, string table, ILogger logger)
{
    // A confirmed publish takes milliseconds. One caught on a channel that died with the broker may
    // never complete, its token notwithstanding (see BoundedPublish): it is abandoned after this
    // long and the relay publishes the message instead.
    static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    // Messages written by one INSERT, and rows removed by one DELETE: far below either database's
    // limit on parameters.
    const int Chunk = 200;

    // Rows the relay reads, publishes and deletes at a time.
    const int RelayPage = 500;

    // A due delayed message is claimed by moving its time this far ahead before it is published: other
    // replicas' relays skip it meanwhile, and if this one dies before deleting it, it is due again then.
    static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(30);

    readonly SemaphoreSlim _wake = new(0, 1);
    readonly ConcurrentQueue<long> _published = new();
    // Rows this process is publishing or has published and not yet deleted: its relay leaves them
    // to their publisher, whatever their age, instead of sending them a second time.
    readonly ConcurrentDictionary<long, byte> _inFlight = new();
    int _deleting;
    int _publishFailed;

    /// <summary>The table the messages wait in.</summary>
    public string Table { get; } = table;

    /// <summary>What is stored for a message: the message itself unless a subclass protects parts of it.</summary>
    protected virtual object Seal(object message) => message;

    /// <summary>Undoes <see cref="Seal"/> on a message read back.</summary>
    protected virtual object Unseal(object message) => message;

    /// <summary>
    /// Writes messages in the caller's transaction; publish them with <see cref="PublishAsync"/> after
    /// commit. A <see cref="DelayedMessage"/> among them is stored with its time and left to the relay.
    /// </summary>
    public async Task<IReadOnlyList<PendingMessage>> EnqueueAsync(DbConnection connection, DbTransaction transaction, IEnumerable<object> messages, CancellationToken cancellationToken)
    {
        var pending = new List<PendingMessage>();
        var now = DateTimeOffset.UtcNow;
        // One INSERT per chunk of messages rather than per message: a stage's dispatch is one round trip.
        foreach (var chunk in messages.Select(message => (MessageId: NewId.NextGuid(), Message: message)).Chunk(Chunk))
        {
            var parameters = new List<(string, object?)> { ("at", now), ("trace", MFlowTelemetry.CurrentTraceParent) };
            var rows = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                var (message, deliverAt) = chunk[i].Message is DelayedMessage delayed ? (delayed.Message, (DateTimeOffset?)delayed.DeliverAt.ToUniversalTime()) : (chunk[i].Message, null);
                var type = message.GetType();
                rows.Add($"(@mid{i}, @type{i}, @body{i}, @at, @trace, @due{i})");
                parameters.Add(($"mid{i}", chunk[i].MessageId));
                parameters.Add(($"type{i}", type.FullName));
                parameters.Add(($"body{i}", JsonSerializer.Serialize(Seal(message), type, StoredJson.Options)));
                parameters.Add(($"due{i}", deliverAt));
            }

            var ids = new Dictionary<Guid, long>();
            await using (var command = connection.Command(
                $"INSERT INTO {Table} (message_id, message_type, body, created_at, trace_parent, deliver_at) VALUES {string.Join(", ", rows)} RETURNING id, message_id",
                transaction, [.. parameters]))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    ids[reader.GetId(1)] = reader.GetInt64(0);
            }

            pending.AddRange(chunk.Select(row => row.Message is DelayedMessage delayed
                ? new PendingMessage(ids[row.MessageId], row.MessageId, delayed.Message, MFlowTelemetry.CurrentTraceParent, delayed.DeliverAt)
                : new PendingMessage(ids[row.MessageId], row.MessageId, row.Message, MFlowTelemetry.CurrentTraceParent)));
        }

        return pending;
    }

    /// <summary>Publishes committed messages and deletes them; on failure leaves them for the relay.</summary>
    public async Task PublishAsync(IReadOnlyList<PendingMessage> pending, CancellationToken cancellationToken)
    {
        if (pending.Any(p => p.DeliverAt is not null))
        {
            // A new timer may be due before the relay's next wake-up: let it look again.
            Wake();
            pending = [.. pending.Where(p => p.DeliverAt is null)];
        }

        if (pending.Count == 0)
            return;

        foreach (var message in pending)
            _inFlight.TryAdd(message.Id, 0);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            if (pending.Count == 1)
                await PublishOneAsync(pending[0], timeout.Token);
            else
                await Task.WhenAll(pending.Select(p => PublishOneAsync(p, timeout.Token)));
        }
        catch (Exception ex)
        {
            // Committed messages are published whatever went wrong, a broker gone mid-publish included
            // (the transport then throws OperationCanceledException): now by the relay, not within a minute.
            foreach (var message in pending)
                _inFlight.TryRemove(message.Id, out _);
            Volatile.Write(ref _publishFailed, 1);
            Wake();
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                throw;
            logger.LogWarning(ex, "Publishing {Count} messages from {Table} failed; the relay will publish them", pending.Count, Table);
            return;
        }

        foreach (var message in pending)
            _published.Enqueue(message.Id);
        await DeletePublishedAsync(cancellationToken);
    }

    /// <summary>
    /// Publishes the stored messages created before <paramref name="cutoff"/>, except those this
    /// process is still publishing itself (slowly, or not yet deleted); returns how many. Reads them
    /// in pages by id, so rows held back at the front never hide the ones behind them.
    /// </summary>
    public async Task<int> RelayAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var published = 0;
        var after = long.MinValue;
        while (true)
        {
            // Taken before the read: a row whose publisher deletes it (and lets it go) while this page
            // is read is still left to that publisher, not sent again from what the read saw.
            var publishing = _inFlight.Keys.ToHashSet();
            var page = new List<PendingMessage>();
            await using (var connection = await database.OpenAsync(cancellationToken))
            await using (var command = connection.Command(
                $"SELECT id, message_id, message_type, body, trace_parent FROM {Table} WHERE deliver_at IS NULL AND created_at < @cutoff AND id > @after ORDER BY id LIMIT {RelayPage}",
                null, ("cutoff", cutoff), ("after", after)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                page.AddRange(await ReadMessagesAsync(reader, cancellationToken));

            var relayed = page.Where(message => !publishing.Contains(message.Id) && !_inFlight.ContainsKey(message.Id)).ToList();
            await PublishAndDeleteAsync(relayed, cancellationToken);
            published += relayed.Count;
            if (page.Count < RelayPage)
                return published;
            after = page[^1].Id;
        }
    }

    /// <summary>
    /// Whether a publish after commit failed since the last call: the relay then takes every message
    /// at once instead of only those older than <see cref="OutboxRelay.StaleAfter"/>.
    /// </summary>
    public bool TakePublishFailure() => Interlocked.Exchange(ref _publishFailed, 0) == 1;

    /// <summary>
    /// Publishes the delayed messages due at <paramref name="now"/>; returns how many. Each is claimed
    /// first (its time moved <see cref="ClaimLease"/> ahead, rows another replica holds skipped), so
    /// replicas' relays do not all publish it; one that dies before deleting it leaves it due again.
    /// </summary>
    public async Task<int> RelayDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = new List<PendingMessage>();
        var skipLocked = database.Provider == DatabaseProvider.Postgres ? "FOR UPDATE SKIP LOCKED" : "";
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.Command(
            $"""
            UPDATE {Table} SET deliver_at = @lease
            WHERE id IN (SELECT id FROM {Table} WHERE deliver_at <= @now ORDER BY deliver_at LIMIT 500 {skipLocked})
            RETURNING id, message_id, message_type, body, trace_parent
            """, null, ("now", now), ("lease", now + ClaimLease)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            pending.AddRange(await ReadMessagesAsync(reader, cancellationToken));

        await PublishAndDeleteAsync(pending, cancellationToken);
        return pending.Count;
    }

    /// <summary>When the next delayed message is due, or null if none waits.</summary>
    public async Task<DateTimeOffset?> NextDeliveryAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT min(deliver_at) FROM {Table} WHERE deliver_at IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? reader.GetTimestamp(0) : null;
    }

    async Task<List<PendingMessage>> ReadMessagesAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var messages = new List<PendingMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var typeName = reader.GetString(2);
            // Only contract types are ever written, so only they are ever read back.
            var type = typeof(StartPipeline).Assembly.GetType(typeName, throwOnError: false)
                ?? throw new InvalidOperationException($"{Table} row {reader.GetInt64(0)} holds unknown message type '{typeName}'.");
            var message = Unseal(JsonSerializer.Deserialize(reader.GetString(3), type, StoredJson.Options)!);
            messages.Add(new PendingMessage(reader.GetInt64(0), reader.GetId(1), message, reader.GetNullableString(4)));
        }

        return messages;
    }

    async Task PublishAndDeleteAsync(List<PendingMessage> pending, CancellationToken cancellationToken)
    {
        foreach (var message in pending)
        {
            // Published in the trace that wrote it (the run's), not in the relay's.
            using var trace = MFlowTelemetry.ContinueTrace("outbox relay", message.TraceParent);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await PublishOneAsync(message, timeout.Token);
        }

        await DeleteAsync(pending.Select(p => p.Id).ToList(), cancellationToken);
    }

    /// <summary>Asks the relay to run soon.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try { _wake.Release(); }
            catch (SemaphoreFullException) { } // already woken
        }
    }

    /// <summary>Waits for a <see cref="Wake"/> (true) or the timeout (false).</summary>
    public Task<bool> WaitForWakeAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    // Bounded by the caller's timeout even when the transport ignores it (BoundedPublish): a relay
    // stuck on one publish would hold back every other message and every timer in its table.
    Task PublishOneAsync(PendingMessage message, CancellationToken cancellationToken) =>
        BoundedPublish.Within(bus.Publish(message.Message, message.Message.GetType(), context => context.MessageId = message.MessageId, cancellationToken), cancellationToken);

    // Published rows are deleted by whichever publisher gets here while no delete runs, together
    // with every row published meanwhile: under load one DELETE (one transaction) serves many
    // publishes instead of one each. A row whose delete fails is published again by the relay.
    async Task DeletePublishedAsync(CancellationToken cancellationToken)
    {
        while (!_published.IsEmpty && Interlocked.CompareExchange(ref _deleting, 1, 0) == 0)
        {
            var ids = new List<long>();
            while (ids.Count < Chunk && _published.TryDequeue(out var id))
                ids.Add(id);
            try
            {
                await DeleteAsync(ids, cancellationToken);
            }
            catch (Exception ex) when (ex is DbException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning("Deleting {Count} published messages from {Table} failed ({Error}); the relay will publish them again", ids.Count, Table, ex.Message);
            }
            finally
            {
                foreach (var id in ids)
                    _inFlight.TryRemove(id, out _);
                Volatile.Write(ref _deleting, 0);
            }
        }
    }

    async Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
            return;
        await using var connection = await database.OpenAsync(cancellationToken);
        var (list, parameters) = DbCommandExtensions.InList("id", ids);
        await connection.ExecuteAsync($"DELETE FROM {Table} WHERE id IN ({list})", null, cancellationToken, parameters);
    }
}

/// <summary>A message written to an outbox and not yet confirmed by the broker, with the trace it belongs to.</summary>
public sealed record PendingMessage(long Id, Guid MessageId, object Message, string? TraceParent = null, DateTimeOffset? DeliverAt = null);

/// <summary>
/// A message to publish at <paramref name="DeliverAt"/> rather than after commit: a durable timer.
/// Delivered at least once, possibly late (a relay down) or twice (a relay that died after
/// publishing): its consumer checks that what it acts on still holds.
/// </summary>
public sealed record DelayedMessage(object Message, DateTimeOffset DeliverAt);
