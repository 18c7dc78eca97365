using System.Data.Common;
using System.Text.Json;
using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;

namespace MFlow.Scheduler.Outbox;

/// <summary>
/// MFlow's transactional outbox (MassTransit's needs EF Core, which cannot be had here): messages are
/// written in the same transaction as the state change that causes them, published right after
/// commit, and deleted once the broker confirmed them. Whatever a crash leaves behind,
/// <see cref="OutboxRelay"/> publishes later, so a committed dispatch is never lost; a message may
/// go out twice, which every consumer tolerates.
/// </summary>
public sealed class Outbox(Database database, IBus bus, OutboxRelaySignal relaySignal, ILogger<Outbox> logger)
{
    // A confirmed publish takes milliseconds. One caught on a channel that died with the broker may
    // never complete (RabbitMQ.Client 7.1 does not always fail its pending confirm): it is abandoned
    // after this long and the relay publishes the message instead.
    static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Writes messages in the caller's transaction; publish them with <see cref="PublishAsync"/> after commit.</summary>
    public async Task<IReadOnlyList<PendingMessage>> EnqueueAsync(DbConnection connection, DbTransaction transaction, IEnumerable<object> messages, CancellationToken cancellationToken)
    {
        var pending = new List<PendingMessage>();
        var now = DateTimeOffset.UtcNow;
        foreach (var message in messages)
        {
            var messageId = NewId.NextGuid();
            var type = message.GetType();
            await using var command = connection.Command(
                "INSERT INTO outbox (message_id, message_type, body, created_at) VALUES (@mid, @type, @body, @at) RETURNING id",
                transaction,
                ("mid", messageId), ("type", type.FullName), ("body", JsonSerializer.Serialize(message, type, StoredJson.Options)), ("at", now));
            var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
            pending.Add(new PendingMessage(id, messageId, message));
        }

        return pending;
    }

    /// <summary>Publishes committed messages and deletes them; on failure leaves them for the relay.</summary>
    public async Task PublishAsync(IReadOnlyList<PendingMessage> pending, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
            return;

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await Task.WhenAll(pending.Select(p => bus.Publish(p.Message, p.Message.GetType(), ctx => ctx.MessageId = p.MessageId, timeout.Token)));
            await DeleteAsync(pending.Select(p => p.Id).ToList(), cancellationToken);
        }
        catch (Exception ex)
        {
            // Committed messages are published whatever went wrong, a broker gone mid-publish included
            // (the transport then throws OperationCanceledException): now by the relay, not within a minute.
            relaySignal.Wake();
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                throw;
            logger.LogWarning(ex, "Publishing {Count} outbox messages failed; the relay will publish them", pending.Count);
        }
    }

    /// <summary>Publishes the stored messages created before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> RelayAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var pending = new List<PendingMessage>();
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.Command(
            "SELECT id, message_id, message_type, body FROM outbox WHERE created_at < @cutoff ORDER BY id LIMIT 500", null, ("cutoff", cutoff)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var typeName = reader.GetString(2);
                // Only contract types are ever written, so only they are ever read back.
                var type = typeof(StartPipeline).Assembly.GetType(typeName, throwOnError: false)
                    ?? throw new InvalidOperationException($"Outbox row {reader.GetInt64(0)} holds unknown message type '{typeName}'.");
                var message = JsonSerializer.Deserialize(reader.GetString(3), type, StoredJson.Options)!;
                pending.Add(new PendingMessage(reader.GetInt64(0), reader.GetId(1), message));
            }
        }

        foreach (var message in pending)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await bus.Publish(message.Message, message.Message.GetType(), ctx => ctx.MessageId = message.MessageId, timeout.Token);
        }

        await DeleteAsync(pending.Select(p => p.Id).ToList(), cancellationToken);
        return pending.Count;
    }

    async Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
            return;
        await using var connection = await database.OpenAsync(cancellationToken);
        var names = ids.Select((_, i) => $"@id{i}").ToList();
        await connection.ExecuteAsync(
            $"DELETE FROM outbox WHERE id IN ({string.Join(", ", names)})", null, cancellationToken,
            ids.Select((id, i) => ($"id{i}", (object?)id)).ToArray());
    }
}

/// <summary>A message written to the outbox and not yet confirmed by the broker.</summary>
public sealed record PendingMessage(long Id, Guid MessageId, object Message);
