using System.Data.Common;
using System.Text.Json;
using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Scheduler.Runs;

/// <summary>The scheduler's tables: runs and their plans, plus read access to the aggregator's run state.</summary>
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
    /// Moves the dispatch cursor from <paramref name="completedStage"/> to the next stage and returns
    /// the plan, or null when that already happened (a duplicate StageCompleted) or the run is unknown.
    /// </summary>
    public async Task<RunPlan?> TryAdvanceAsync(DbConnection connection, DbTransaction transaction, Guid runId, int completedStage, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "UPDATE runs SET dispatched_stage = @next WHERE id = @id AND dispatched_stage = @completed RETURNING plan",
            transaction, ("next", completedStage + 1), ("id", runId), ("completed", completedStage));
        var plan = await command.ExecuteScalarAsync(cancellationToken) as string;
        return plan is null ? null : JsonSerializer.Deserialize<RunPlan>(plan, StoredJson.Options);
    }

    /// <summary>A run with its plan and (once the aggregator has it) its state.</summary>
    public async Task<StoredRun?> GetAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            """
            SELECT r.id, r.idempotency_key, r.pipeline_name, r.mode, r.triggered_by, r.trigger, r.plan, r.created_at, s.current_state, s.data, r.dispatched_stage
            FROM runs r LEFT JOIN pipeline_run_state s ON s.correlation_id = r.id
            WHERE r.id = @id
            """,
            null, ("id", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// The most recent runs, newest first, as summaries: neither plans nor run states are read, so
    /// a list costs the same however large its runs are.
    /// </summary>
    public async Task<IReadOnlyList<RunSummary>> ListSummariesAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            """
            SELECT r.id, r.idempotency_key, r.pipeline_name, r.mode, r.triggered_by, r.trigger, r.created_at, s.current_state, s.updated_at
            FROM runs r LEFT JOIN pipeline_run_state s ON s.correlation_id = r.id
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

    static StoredRun Read(DbDataReader reader) => new(
        reader.GetId(0),
        reader.GetNullableString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetNullableString(4),
        reader.GetNullableString(5),
        JsonSerializer.Deserialize<RunPlan>(reader.GetString(6), StoredJson.Options)!,
        reader.GetTimestamp(7),
        reader.GetNullableString(8),
        reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<PipelineRunState>(reader.GetString(9), StoredJson.Options),
        reader.GetInt32(10));
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
