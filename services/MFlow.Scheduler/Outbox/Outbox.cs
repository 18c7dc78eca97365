using System.Data.Common;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Scheduler.Outbox;

/// <summary>
/// MFlow's transactional outbox (MassTransit's own stores its rows through Entity Framework Core or
/// MongoDB, and MFlow uses neither): messages are
/// written in the same transaction as the state change that causes them, published right after
/// commit, and deleted once the broker confirmed them. Whatever a crash leaves behind,
/// <see cref="OutboxRelay"/> publishes later, so a committed dispatch is never lost; a message may
/// go out twice, which every consumer tolerates. A run-task command's secret values (update token,
/// kubeconfig, sensitive params) are stored encrypted with Data Protection, as everywhere else at rest.
/// </summary>
public sealed class Outbox(Database database, IBus bus, OutboxRelaySignal relaySignal, IDataProtectionProvider protection, ILogger<Outbox> logger)
{
    readonly IDataProtector _secrets = protection.CreateProtector("MFlow.Outbox.SecretValues");

    // A confirmed publish takes milliseconds. One caught on a channel that died with the broker may
    // never complete (RabbitMQ.Client 7.2.2 still leaves a pending confirm hanging after a broker
    // restart: rabbitmq-dotnet-client#1930): it is abandoned after this long and the relay
    // publishes the message instead.
    static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    // Messages written by one INSERT: far below either database's limit on parameters.
    const int InsertChunk = 200;

    /// <summary>Writes messages in the caller's transaction; publish them with <see cref="PublishAsync"/> after commit.</summary>
    public async Task<IReadOnlyList<PendingMessage>> EnqueueAsync(DbConnection connection, DbTransaction transaction, IEnumerable<object> messages, CancellationToken cancellationToken)
    {
        var pending = new List<PendingMessage>();
        var now = DateTimeOffset.UtcNow;
        // One INSERT per chunk of messages rather than per message: a stage's dispatch is one round trip.
        foreach (var chunk in messages.Select(message => (MessageId: NewId.NextGuid(), Message: message)).Chunk(InsertChunk))
        {
            var parameters = new List<(string, object?)> { ("at", now), ("trace", MFlowTelemetry.CurrentTraceParent) };
            var rows = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                var type = chunk[i].Message.GetType();
                rows.Add($"(@mid{i}, @type{i}, @body{i}, @at, @trace)");
                parameters.Add(($"mid{i}", chunk[i].MessageId));
                parameters.Add(($"type{i}", type.FullName));
                parameters.Add(($"body{i}", JsonSerializer.Serialize(WithSecretValues(chunk[i].Message, _secrets.Protect), type, StoredJson.Options)));
            }

            var ids = new Dictionary<Guid, long>();
            await using (var command = connection.Command(
                $"INSERT INTO outbox (message_id, message_type, body, created_at, trace_parent) VALUES {string.Join(", ", rows)} RETURNING id, message_id",
                transaction, [.. parameters]))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    ids[reader.GetId(1)] = reader.GetInt64(0);
            }

            pending.AddRange(chunk.Select(row => new PendingMessage(ids[row.MessageId], row.MessageId, row.Message, MFlowTelemetry.CurrentTraceParent)));
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
            "SELECT id, message_id, message_type, body, trace_parent FROM outbox WHERE created_at < @cutoff ORDER BY id LIMIT 500", null, ("cutoff", cutoff)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var typeName = reader.GetString(2);
                // Only contract types are ever written, so only they are ever read back.
                var type = typeof(StartPipeline).Assembly.GetType(typeName, throwOnError: false)
                    ?? throw new InvalidOperationException($"Outbox row {reader.GetInt64(0)} holds unknown message type '{typeName}'.");
                var message = WithSecretValues(JsonSerializer.Deserialize(reader.GetString(3), type, StoredJson.Options)!, _secrets.Unprotect);
                pending.Add(new PendingMessage(reader.GetInt64(0), reader.GetId(1), message, reader.GetNullableString(4)));
            }
        }

        foreach (var message in pending)
        {
            // Published in the trace that wrote it (the run's), not in the relay's.
            using var trace = MFlowTelemetry.ContinueTrace("outbox relay", message.TraceParent);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await bus.Publish(message.Message, message.Message.GetType(), ctx => ctx.MessageId = message.MessageId, timeout.Token);
        }

        await DeleteAsync(pending.Select(p => p.Id).ToList(), cancellationToken);
        return pending.Count;
    }

    static object WithSecretValues(object message, Func<string, string> transform) =>
        message is RunTaskCommand { SecretValues.Count: > 0 } command
            ? command with { SecretValues = command.SecretValues.ToDictionary(secret => secret.Key, secret => transform(secret.Value), StringComparer.Ordinal) }
            : message;

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

/// <summary>A message written to the outbox and not yet confirmed by the broker, with the trace it belongs to.</summary>
public sealed record PendingMessage(long Id, Guid MessageId, object Message, string? TraceParent = null);
