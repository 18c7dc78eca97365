using System.Data.Common;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Scheduler.Runs;

/// <summary>The scheduler's tables: runs, their plans and dispatch cursors, finished stages' outputs; plus the aggregator's read model of their progress.</summary>
public sealed class RunStore(Database database)
{
    /// <summary>Inserts a run; false when a run with this id (that is, this idempotency key) exists.</summary>
    public async Task<bool> TryInsertAsync(DbConnection connection, DbTransaction transaction, Guid runId, RunRequest request, RunPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteAsync(
            """
            INSERT INTO runs (id, idempotency_key, pipeline_name, mode, triggered_by, trigger, plan, dispatched_stage, created_at)
            VALUES (@id, @key, @name, @mode, @by, @trigger, @plan, 0, @at)
            ON CONFLICT DO NOTHING
            """,
            transaction, cancellationToken,
            ("id", runId), ("key", request.IdempotencyKey), ("name", plan.PipelineName), ("mode", plan.Mode.ToString()),
            ("by", request.TriggeredBy), ("trigger", request.Trigger), ("plan", JsonSerializer.Serialize(plan, StoredJson.Options)), ("at", now));
        return rows == 1;
    }

    /// <summary>
    /// Moves the dispatch cursor past the stage <paramref name="completed"/> reports and returns the
    /// plan, or null when that already happened (a duplicate StageCompleted) or the run is unknown;
    /// keeps the stage's outputs and returns what every finished stage reported, by task name then
    /// output name (a later stage's report wins). One round trip.
    /// </summary>
    public async Task<(RunPlan Plan, Dictionary<string, Dictionary<string, string>> StageOutputs)?> TryAdvanceAsync(
        DbConnection connection, DbTransaction transaction, StageCompleted completed, CancellationToken cancellationToken)
    {
        // Keeping a duplicate's outputs changes nothing (the first copy's are kept), so the three
        // statements go together whatever the cursor says.
        await using var command = connection.Command(
            """
            UPDATE runs SET dispatched_stage = @next WHERE id = @run AND dispatched_stage = @completed RETURNING plan;
            INSERT INTO run_stage_outputs (run_id, stage_index, outputs) VALUES (@run, @completed, @outputs) ON CONFLICT (run_id, stage_index) DO NOTHING;
            SELECT outputs FROM run_stage_outputs WHERE run_id = @run ORDER BY stage_index
            """,
            transaction,
            ("next", completed.StageIndex + 1), ("run", completed.RunId), ("completed", completed.StageIndex),
            ("outputs", JsonSerializer.Serialize(completed.Outputs, StoredJson.Options)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var plan = await reader.ReadAsync(cancellationToken) ? JsonSerializer.Deserialize<RunPlan>(reader.GetString(0), StoredJson.Options) : null;
        if (plan is null)
            return null;

        var byTask = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        while (await reader.NextResultAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                foreach (var (task, values) in JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(reader.GetString(0), StoredJson.Options) ?? [])
                    byTask[task] = new Dictionary<string, string>(values, StringComparer.Ordinal);
            }
        }

        return (plan, byTask);
    }

    /// <summary>
    /// The most recent runs, newest first, as summaries: neither plans nor run states are read, so
    /// a list costs the same however large its runs are.
    /// </summary>
    public async Task<IReadOnlyList<RunSummary>> ListSummariesAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"""
            SELECT r.id, r.idempotency_key, r.pipeline_name, r.mode, r.triggered_by, r.trigger, r.created_at, s.state, s.updated_at
            FROM runs r LEFT JOIN {RunStatusReader.RunTable} s ON s.run_id = r.id
            ORDER BY r.created_at DESC LIMIT @limit
            """,
            null, ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<RunSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new RunSummary(
                reader.GetId(0), reader.GetNullableString(1), reader.GetString(2), reader.GetString(3), reader.GetNullableString(4),
                reader.GetNullableString(5), reader.GetTimestamp(6), reader.GetNullableString(7), reader.IsDBNull(8) ? null : reader.GetTimestamp(8)));
        }

        return runs;
    }

    /// <summary>A run with its plan and (once the aggregator has it) its state.</summary>
    public async Task<StoredRun?> GetAsync(Guid runId, CancellationToken cancellationToken) =>
        (await ReadAsync("WHERE id = @id", ("id", runId), cancellationToken)).SingleOrDefault();

    async Task<IReadOnlyList<StoredRun>> ReadAsync(string filter, (string, object?) parameter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var runs = new List<StoredRun>();
        await using (var command = connection.Command(
            $"SELECT id, idempotency_key, pipeline_name, mode, triggered_by, trigger, plan, created_at, dispatched_stage FROM runs {filter}", null, parameter))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(new StoredRun(
                    reader.GetId(0),
                    reader.GetNullableString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetNullableString(4),
                    reader.GetNullableString(5),
                    JsonSerializer.Deserialize<RunPlan>(reader.GetString(6), StoredJson.Options)!,
                    reader.GetTimestamp(7),
                    null,
                    null,
                    reader.GetInt32(8)));
            }
        }

        // The runs' progress is the aggregator's: read through its read model, four queries for all of them.
        var states = await RunStatusReader.ReadManyAsync(connection, null, runs.Select(r => r.Id).ToList(), cancellationToken);
        return runs.Select(run => states.TryGetValue(run.Id, out var state) ? run with { State = state.CurrentState, RunState = state } : run).ToList();
    }
}

/// <summary>A run as stored: the scheduler's row and the aggregator's state, if any yet.</summary>
public sealed record StoredRun(
    Guid Id,
    string? IdempotencyKey,
    string PipelineName,
    string Mode,
    string? TriggeredBy,
    string? Trigger,
    RunPlan Plan,
    DateTimeOffset CreatedAt,
    string? State,
    PipelineRunState? RunState,
    int DispatchedStage);

/// <summary>A run as the list shows it: its identity and state, not its plan.</summary>
public sealed record RunSummary(
    Guid Id,
    string? IdempotencyKey,
    string PipelineName,
    string Mode,
    string? TriggeredBy,
    string? Trigger,
    DateTimeOffset CreatedAt,
    string? State,
    DateTimeOffset? UpdatedAt);
