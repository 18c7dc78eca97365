using MFlow.Contracts;
using MFlow.Persistence;

namespace MFlow.Scheduler.Runs;

/// <summary>Finished task attempts' logs, kept so the API can serve them after the pods are gone.</summary>
public sealed class TaskLogStore(Database database)
{
    /// <summary>Stores a captured log; a redelivered one replaces the same attempt's.</summary>
    public async Task SaveAsync(TaskLogCaptured captured, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO task_logs (task_id, attempt, run_id, task_name, log, truncated, captured_at)
            VALUES (@task, @attempt, @run, @name, @log, @truncated, @at)
            ON CONFLICT (task_id, attempt) DO UPDATE SET log = excluded.log, truncated = excluded.truncated, captured_at = excluded.captured_at
            """,
            null, cancellationToken,
            ("task", captured.TaskId), ("attempt", captured.Attempt), ("run", captured.RunId), ("name", captured.TaskName),
            ("log", captured.Log), ("truncated", captured.Truncated), ("at", DateTimeOffset.UtcNow));
    }

    /// <summary>A task attempt's log (the latest attempt when none is given), or null.</summary>
    public async Task<StoredTaskLog?> GetAsync(Guid runId, string taskName, int? attempt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Two statements rather than "@attempt IS NULL": PostgreSQL cannot type a null parameter.
        await using var command = attempt is null
            ? connection.Command(
                "SELECT attempt, log, truncated FROM task_logs WHERE run_id = @run AND task_name = @name ORDER BY attempt DESC LIMIT 1",
                null, ("run", runId), ("name", taskName))
            : connection.Command(
                "SELECT attempt, log, truncated FROM task_logs WHERE run_id = @run AND task_name = @name AND attempt = @attempt",
                null, ("run", runId), ("name", taskName), ("attempt", attempt));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredTaskLog(reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2))
            : null;
    }
}

/// <summary>A stored task log.</summary>
public sealed record StoredTaskLog(int Attempt, string Log, bool Truncated);
