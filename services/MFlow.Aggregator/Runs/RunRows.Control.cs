using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

// The rows of a run stopped by a timer or a rejection (see RunTracker.RequestStopAsync).
public sealed partial class RunRows
{
    /// <summary>True when the stage has completed (a late stage timer then changes nothing).</summary>
    public async Task<bool> IsStageCompletedAsync(Guid runId, int stageIndex, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"SELECT completed FROM {RunStatusReader.StageTable} WHERE run_id = @run AND stage_index = @stage", transaction, ("run", runId), ("stage", stageIndex));
        return await command.ExecuteScalarAsync(cancellationToken) is true or 1L or 1;
    }

    /// <summary>Records the state a stopped run ends in and why.</summary>
    public Task SetEndAsync(Guid runId, string state, string reason, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            $"UPDATE {RunStatusReader.RunTable} SET end_state = @state, end_reason = @reason WHERE run_id = @run",
            transaction, cancellationToken, ("state", state), ("reason", reason), ("run", runId));

    /// <summary>The state a stopped run ends in and why; null for a run cancelled by a person (or not stopped).</summary>
    public async Task<(string State, string Reason)?> EndAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"SELECT end_state, end_reason FROM {RunStatusReader.RunTable} WHERE run_id = @run", transaction, ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? (reader.GetString(0), reader.GetNullableString(1) ?? "") : null;
    }
}
