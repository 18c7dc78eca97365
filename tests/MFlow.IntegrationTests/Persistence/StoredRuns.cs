using MFlow.Persistence.Runs;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>Reads a run as the aggregator stored it in PostgreSQL.</summary>
public static class StoredRuns
{
    /// <summary>The run's state and every row of it, or null while nothing of it is stored.</summary>
    public static async Task<RunStateRow?> ReadAsync(PostgresDatabase database, Guid runId)
    {
        await using var connection = await database.OpenConnectionAsync();
        var state = await RunStatusReader.ReadAsync(connection, null, runId, CancellationToken.None);
        return state is null ? null : new RunStateRow(state, await StoredRunRows.SnapshotAsync(connection, runId));
    }

    /// <summary>Waits until the run's stored state satisfies <paramref name="isSatisfied"/>.</summary>
    public static Task<RunStateRow?> WaitUntilAsync(PostgresDatabase database, Guid runId, Func<RunStateRow, bool> isSatisfied, string description) =>
        Eventually.UntilAsync(
            () => ReadAsync(database, runId),
            row => row is not null && isSatisfied(row),
            TimeSpan.FromSeconds(90),
            description);

    /// <summary>A stage's counters: how many of its tasks ended, and how many of them failed.</summary>
    public static async Task<(int Ended, int Failed)> StageCountersAsync(PostgresDatabase database, Guid runId, int stageIndex)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT tasks_ended, tasks_failed FROM run_stages WHERE run_id = @run AND stage_index = @stage", connection);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("stage", stageIndex);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt32(1)) : (-1, -1);
    }
}

/// <summary>A run as the aggregator stored it: the state the API reads, and every row of it as text (equal exactly when nothing was written).</summary>
public sealed record RunStateRow(PipelineRunState State, string Rows)
{
    /// <summary>The run's state: AwaitingPlan, Running, Cancelling, Succeeded, Failed or Cancelled.</summary>
    public string CurrentState => State.CurrentState;
}
