using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Finished task attempts' logs, kept so the API can serve them after the pods are gone: each arrives
/// with its attempt's terminal TaskUpdated and the aggregator stores it in the same transaction.
/// </summary>
public sealed class TaskLogStore(Database database)
{
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

    /// <summary>
    /// True when no log of the attempt is coming any more: it ended, or its run did (an attempt that
    /// never ran has no log). A terminal attempt's log is stored in the same transaction as its end.
    /// </summary>
    public async Task<bool> NoMoreLogAsync(Guid runId, Guid taskId, int attempt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"""
            SELECT state FROM {RunStatusReader.RunTable} WHERE run_id = @run;
            SELECT state FROM {RunStatusReader.AttemptTable} WHERE task_id = @task AND attempt = @attempt;
            """,
            null, ("run", runId), ("task", taskId), ("attempt", attempt));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken) && RunEventTypes.IsTerminal(reader.GetString(0)))
            return true;
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && Enum.Parse<TaskState>(reader.GetString(0)).IsTerminal();
    }
}

/// <summary>A stored task log.</summary>
public sealed record StoredTaskLog(int Attempt, string Log, bool Truncated);
