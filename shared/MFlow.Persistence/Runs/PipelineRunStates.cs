using System.Data.Common;
using System.Text.Json;

namespace MFlow.Persistence.Runs;

/// <summary>Where the aggregator stores each run's <see cref="PipelineRunState"/>, and reading it outside the saga.</summary>
public static class PipelineRunStates
{
    /// <summary>The saga's table: one JSON document per run.</summary>
    public const string Table = "pipeline_run_state";

    /// <summary>A run's state as last committed (in the caller's transaction, if any), or null before the aggregator stored it.</summary>
    public static async Task<PipelineRunState?> ReadAsync(DbConnection connection, DbTransaction? transaction, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT data FROM {Table} WHERE correlation_id = @id", transaction, ("id", runId));
        return await command.ExecuteScalarAsync(cancellationToken) is string data
            ? JsonSerializer.Deserialize<PipelineRunState>(data, StoredJson.Options)
            : null;
    }
}
