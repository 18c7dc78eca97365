using System.Data.Common;
using MFlow.Persistence;

namespace MFlow.Scheduler.Outputs;

/// <summary>
/// Outputs a task wrote back with its update token: named values (which flow into later stages) and
/// a markdown summary. Limits are explicit and generous: 64 KB per value, 1 MB per task attempt.
/// </summary>
public sealed class TaskOutputStore(Database database)
{
    /// <summary>The largest output value.</summary>
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>The most output (values and summary) one task attempt may store.</summary>
    public const int MaxTaskBytes = 1024 * 1024;

    /// <summary>Stores values and a summary; returns the attempt's total size afterwards, or the limit it would exceed (nothing stored).</summary>
    public async Task<WriteOutcome> WriteAsync(Guid runId, Guid taskId, int attempt, IReadOnlyDictionary<string, string> values, string? summary, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = await ReadAsync(connection, transaction, "WHERE task_id = @task AND attempt = @attempt", cancellationToken, ("task", taskId), ("attempt", attempt));
        var merged = new Dictionary<string, string>(existing.GetValueOrDefault(taskId)?.Values ?? new Dictionary<string, string>());
        foreach (var (name, value) in values)
            merged[name] = value;
        var total = merged.Sum(e => Size(e.Key) + Size(e.Value)) + Size(summary ?? existing.GetValueOrDefault(taskId)?.Summary ?? "");
        if (total > MaxTaskBytes)
            return new WriteOutcome(false, total);

        var now = DateTimeOffset.UtcNow;
        foreach (var (name, value) in values)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO task_outputs (task_id, attempt, run_id, name, value, written_at) VALUES (@task, @attempt, @run, @name, @value, @at)
                ON CONFLICT (task_id, attempt, name) DO UPDATE SET value = excluded.value, written_at = excluded.written_at
                """,
                transaction, cancellationToken, ("task", taskId), ("attempt", attempt), ("run", runId), ("name", name), ("value", value), ("at", now));
        }

        if (summary is not null)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO task_summaries (task_id, attempt, run_id, summary, written_at) VALUES (@task, @attempt, @run, @summary, @at)
                ON CONFLICT (task_id, attempt) DO UPDATE SET summary = excluded.summary, written_at = excluded.written_at
                """,
                transaction, cancellationToken, ("task", taskId), ("attempt", attempt), ("run", runId), ("summary", summary), ("at", now));
        }

        await transaction.CommitAsync(cancellationToken);
        return new WriteOutcome(true, total);
    }

    /// <summary>Everything the run's tasks wrote back, by task id (each task's latest attempt that wrote).</summary>
    public async Task<IReadOnlyDictionary<Guid, WrittenOutputs>> ForRunAsync(DbConnection connection, DbTransaction? transaction, Guid runId, CancellationToken cancellationToken) =>
        await ReadAsync(connection, transaction, "WHERE run_id = @run", cancellationToken, ("run", runId));

    /// <summary>Everything the run's tasks wrote back (opening its own connection).</summary>
    public async Task<IReadOnlyDictionary<Guid, WrittenOutputs>> ForRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ForRunAsync(connection, null, runId, cancellationToken);
    }

    /// <summary>
    /// The two queries that read what was written back under <paramref name="where"/> (outputs, then
    /// summaries), for a batch of statements; <see cref="WrittenOutputsReader"/> reads their rows.
    /// </summary>
    public static string SelectWritten(string where) =>
        $"SELECT task_id, attempt, name, value FROM task_outputs {where} ORDER BY attempt; SELECT task_id, attempt, summary FROM task_summaries {where} ORDER BY attempt";

    static async Task<Dictionary<Guid, WrittenOutputs>> ReadAsync(DbConnection connection, DbTransaction? transaction, string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        // Both tables in one round trip.
        await using var command = connection.Command(SelectWritten(where), transaction, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var written = new WrittenOutputsReader();
        while (await reader.ReadAsync(cancellationToken))
            written.ReadValue(reader);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            written.ReadSummary(reader);
        return written.Found;
    }

    static int Size(string text) => System.Text.Encoding.UTF8.GetByteCount(text);
}

/// <summary>
/// Collects the rows of <see cref="TaskOutputStore.SelectWritten"/>: each task's latest attempt that
/// wrote, with its values and summary.
/// </summary>
public sealed class WrittenOutputsReader
{
    /// <summary>What was read so far, by task id.</summary>
    public Dictionary<Guid, WrittenOutputs> Found { get; } = [];

    /// <summary>Reads a row of the outputs query (task_id, attempt, name, value).</summary>
    public void ReadValue(DbDataReader reader)
    {
        var entry = Entry(reader.GetId(0), reader.GetInt32(1));
        if (entry.Attempt == reader.GetInt32(1))
            entry.Values[reader.GetString(2)] = reader.GetString(3);
    }

    /// <summary>Reads a row of the summaries query (task_id, attempt, summary).</summary>
    public void ReadSummary(DbDataReader reader)
    {
        var entry = Entry(reader.GetId(0), reader.GetInt32(1));
        if (entry.Attempt == reader.GetInt32(1))
            Found[reader.GetId(0)] = entry with { Summary = reader.GetString(2) };
    }

    WrittenOutputs Entry(Guid task, int attempt)
    {
        if (!Found.TryGetValue(task, out var entry) || entry.Attempt < attempt)
            Found[task] = entry = new WrittenOutputs(attempt, new Dictionary<string, string>(), null);
        return entry;
    }
}

/// <summary>What a task attempt wrote back.</summary>
public sealed record WrittenOutputs(int Attempt, Dictionary<string, string> Values, string? Summary);

/// <summary>Whether a write was stored, and the attempt's total output size.</summary>
public sealed record WriteOutcome(bool Stored, int TotalBytes);
