using System.Data.Common;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.Scheduler.Outputs;

namespace MFlow.Scheduler.Runs;

/// <summary>The scheduler's tables: runs, their plans and dispatch cursors, finished stages' outputs; plus the aggregator's read model of their progress.</summary>
public sealed class RunStore(Database database)
{
    /// <summary>Inserts a run; false when a run with this id (that is, this idempotency key) exists.</summary>
    public async Task<bool> TryInsertAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, RunRequest request, RunPlan plan, DateTimeOffset now, CancellationToken cancellationToken, Guid? rerunOf = null)
    {
        var rows = await connection.ExecuteAsync(
            """
            INSERT INTO runs (id, idempotency_key, pipeline_name, mode, triggered_by, trigger, plan, dispatched_stage, created_at, finally_stage, rerun_of)
            VALUES (@id, @key, @name, @mode, @by, @trigger, @plan, 0, @at, @finally, @rerunOf)
            ON CONFLICT DO NOTHING
            """,
            transaction, cancellationToken,
            ("id", runId), ("key", request.IdempotencyKey), ("name", plan.PipelineName), ("mode", plan.Mode.ToString()),
            ("by", request.TriggeredBy), ("trigger", request.Trigger), ("plan", JsonSerializer.Serialize(plan, StoredJson.Options)), ("at", now),
            ("finally", plan.FinallyStage),
            ("rerunOf", rerunOf));
        return rows == 1;
    }

    /// <summary>
    /// Moves the dispatch cursor past the stage <paramref name="completed"/> reports and returns the
    /// plan, or null when that already happened (a duplicate StageCompleted) or the run is unknown;
    /// keeps the stage's outputs and returns what every finished stage reported, by task name then
    /// output name (a later stage's report wins), what the run's tasks wrote back with their tokens,
    /// and the stage to dispatch next. A failed stage moves the cursor only in a run with finally
    /// stages: a main stage's failure to the first finally stage, a finally stage's to the next. One
    /// round trip: it is on the path between one stage's end and the next one's start.
    /// </summary>
    public async Task<AdvancedRun?> TryAdvanceAsync(
        DbConnection connection, DbTransaction transaction, StageCompleted completed, CancellationToken cancellationToken)
    {
        // Keeping a duplicate's outputs changes nothing (its copy is the same), so the statements go
        // together whatever the cursor says. A stage that failed, was resumed and then succeeded
        // replaces what its failure reported; a failure never replaces a success's outputs.
        await using var command = connection.Command(
            $"""
            UPDATE runs SET dispatched_stage = CASE WHEN @succeeded OR finally_stage <= @next THEN @next ELSE finally_stage END
            WHERE id = @run AND dispatched_stage = @completed AND (@succeeded OR finally_stage IS NOT NULL) RETURNING plan, dispatched_stage;
            INSERT INTO run_stage_outputs (run_id, stage_index, outputs) VALUES (@run, @completed, @outputs) ON CONFLICT (run_id, stage_index) DO UPDATE SET outputs = excluded.outputs WHERE @succeeded;
            SELECT outputs FROM run_stage_outputs WHERE run_id = @run ORDER BY stage_index;
            {TaskOutputStore.SelectWritten("WHERE run_id = @run")}
            """,
            transaction,
            ("next", completed.StageIndex + 1), ("run", completed.RunId), ("completed", completed.StageIndex), ("succeeded", completed.Succeeded),
            ("outputs", JsonSerializer.Serialize(completed.Outputs, StoredJson.Options)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var advanced = await reader.ReadAsync(cancellationToken);
        var plan = advanced ? JsonSerializer.Deserialize<RunPlan>(reader.GetString(0), StoredJson.Options) : null;
        if (plan is null)
            return null;
        var next = reader.GetInt32(1);

        return await AdvancedAsync(reader, plan, cancellationToken) with { Next = next };
    }

    /// <summary>
    /// A run's plan, what its finished stages reported and what its tasks wrote back (as
    /// <see cref="TryAdvanceAsync"/> returns them), for dispatching a later attempt of one of its
    /// tasks; null for an unknown run.
    /// </summary>
    public async Task<AdvancedRun?> ReadForDispatchAsync(DbConnection connection, DbTransaction transaction, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"""
            SELECT plan FROM runs WHERE id = @run;
            SELECT outputs FROM run_stage_outputs WHERE run_id = @run ORDER BY stage_index;
            {TaskOutputStore.SelectWritten("WHERE run_id = @run")}
            """,
            transaction, ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var plan = await reader.ReadAsync(cancellationToken) ? JsonSerializer.Deserialize<RunPlan>(reader.GetString(0), StoredJson.Options) : null;
        return plan is null ? null : await AdvancedAsync(reader, plan, cancellationToken);
    }

    // The results after the plan's: stages' outputs and what tasks wrote back.
    static async Task<AdvancedRun> AdvancedAsync(DbDataReader reader, RunPlan plan, CancellationToken cancellationToken)
    {
        // The results that follow, told apart by their columns: a statement without rows (the INSERT)
        // is an empty result on PostgreSQL and none at all on SQLite.
        var byTask = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var written = new WrittenOutputsReader();
        while (await reader.NextResultAsync(cancellationToken))
        {
            var columns = reader.FieldCount;
            while (await reader.ReadAsync(cancellationToken))
            {
                switch (columns)
                {
                    case 1:
                        foreach (var (task, values) in JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(reader.GetString(0), StoredJson.Options) ?? [])
                            byTask[task] = new Dictionary<string, string>(values, StringComparer.Ordinal);
                        break;
                    case 4:
                        written.ReadValue(reader);
                        break;
                    case 3:
                        written.ReadSummary(reader);
                        break;
                }
            }
        }

        return new AdvancedRun(plan, byTask, written.Found);
    }

    /// <summary>
    /// Whether the run still waits for attempt <paramref name="attempt"/> of the task: the run is going
    /// (not ended, no cancellation asked) and the task has not moved on to another attempt. Read from
    /// the aggregator's rows, which decided the attempt; a retry whose backoff outlived its run (or
    /// that a resume overtook) dispatches nothing.
    /// </summary>
    public static async Task<bool> WaitsForAttemptAsync(DbConnection connection, DbTransaction transaction, Guid runId, Guid taskId, int attempt, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"""
            SELECT s.state, s.cancel_requested, t.attempt FROM {RunStatusReader.RunTable} s
            JOIN {RunStatusReader.TaskTable} t ON t.run_id = s.run_id AND t.task_id = @task
            WHERE s.run_id = @run
            """,
            transaction, ("run", runId), ("task", taskId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            && reader.GetString(0) == "Running" && !reader.GetBoolean(1) && reader.GetInt32(2) == attempt;
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
            SELECT r.id, r.idempotency_key, r.pipeline_name, r.mode, r.triggered_by, r.trigger, r.created_at, s.state, s.updated_at,
                CASE WHEN EXISTS (SELECT 1 FROM run_concurrency c WHERE c.run_id = r.id AND c.state = 'Queued') THEN 'Queued'
                     WHEN EXISTS (SELECT 1 FROM run_approvals a WHERE a.run_id = r.id AND a.decision IS NULL) THEN 'WaitingForApproval' END
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
                reader.GetNullableString(5), reader.GetTimestamp(6), reader.GetNullableString(7), reader.IsDBNull(8) ? null : reader.GetTimestamp(8))
            {
                ControlState = reader.GetNullableString(9),
            });
        }

        return runs;
    }

    /// <summary>True when the run exists.</summary>
    public async Task<bool> ExistsAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT 1 FROM runs WHERE id = @id", null, ("id", runId));
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>The reruns of a run, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> RerunsOfAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT id FROM runs WHERE rerun_of = @run ORDER BY created_at", null, ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var reruns = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
            reruns.Add(reader.GetId(0));
        return reruns;
    }

    /// <summary>A run with its plan and (once the aggregator has it) its state.</summary>
    public async Task<StoredRun?> GetAsync(Guid runId, CancellationToken cancellationToken) =>
        (await ReadAsync("WHERE id = @id", ("id", runId), cancellationToken)).SingleOrDefault() is { } run
            ? run with { Reruns = await RerunsOfAsync(runId, cancellationToken) }
            : null;

    async Task<IReadOnlyList<StoredRun>> ReadAsync(string filter, (string, object?) parameter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var runs = new List<StoredRun>();
        await using (var command = connection.Command(
            $"SELECT id, idempotency_key, pipeline_name, mode, triggered_by, trigger, plan, created_at, dispatched_stage, rerun_of FROM runs {filter}", null, parameter))
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
                    reader.GetInt32(8))
                {
                    RerunOf = reader.IsDBNull(9) ? null : reader.GetId(9),
                });
            }
        }

        // The runs' progress is the aggregator's: read through its read model, four queries for all of them.
        var states = await RunStatusReader.ReadManyAsync(connection, null, runs.Select(r => r.Id).ToList(), cancellationToken);
        return runs.Select(run => states.TryGetValue(run.Id, out var state) ? run with { State = state.CurrentState, RunState = state } : run).ToList();
    }
}

/// <summary>
/// A run whose dispatch cursor moved past a completed stage: its plan, what finished stages reported
/// (by task name, then output name) and what its tasks wrote back with their tokens (by task id).
/// </summary>
public sealed record AdvancedRun(RunPlan Plan, Dictionary<string, Dictionary<string, string>> StageOutputs, IReadOnlyDictionary<Guid, WrittenOutputs> Written)
{
    /// <summary>The stage to dispatch now: the next one, or after a failed main stage the first finally stage.</summary>
    public int Next { get; init; }
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
    int DispatchedStage)
{
    /// <summary>The run this one reruns, if it is a rerun.</summary>
    public Guid? RerunOf { get; init; }

    /// <summary>Its reruns, oldest first.</summary>
    public IReadOnlyList<Guid> Reruns { get; init; } = [];
}

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
    DateTimeOffset? UpdatedAt)
{
    /// <summary>Queued (waits for a concurrency slot) or WaitingForApproval (at a gate); null otherwise.</summary>
    public string? ControlState { get; init; }
}
