using System.Text.Json;
using MFlow.IntegrationTests.Support;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.Testing;
using Npgsql;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>Reads <c>pipeline_run_state</c> as the repository stored it.</summary>
public static class SagaRows
{
    /// <summary>The row of a run, or null.</summary>
    public static async Task<RunStateRow?> ReadAsync(PostgresDatabase database, Guid runId)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_state, version, data, updated_at FROM pipeline_run_state WHERE correlation_id = @id", connection);
        command.Parameters.AddWithValue("id", runId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new RunStateRow(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    /// <summary>The stored document.</summary>
    public static PipelineRunState State(this RunStateRow row) => JsonSerializer.Deserialize<PipelineRunState>(row.Data, StoredJson.Options)!;

    /// <summary>Waits until the run's row satisfies <paramref name="isSatisfied"/>.</summary>
    public static Task<RunStateRow?> WaitUntilAsync(PostgresDatabase database, Guid runId, Func<RunStateRow, bool> isSatisfied, string description) =>
        Eventually.UntilAsync(
            () => ReadAsync(database, runId),
            row => row is not null && isSatisfied(row),
            TimeSpan.FromSeconds(90),
            description);
}
