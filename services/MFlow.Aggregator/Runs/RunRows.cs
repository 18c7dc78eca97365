using System.Data.Common;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// The aggregator's rows, within one transaction. A task update locks only its attempt's row and, when
/// the attempt ends, bumps its stage's counter row (<c>UPDATE ... RETURNING</c>): the one update that
/// brings the counter to the stage's task count completes the stage, whatever the number of replicas.
/// Messages about the whole run (the plan, a cancellation, task updates of a run being cancelled)
/// hold the run's lock exclusively; task updates hold it shared, so they never wait for each other,
/// only for those (PostgreSQL: a transaction-scoped advisory lock; SQLite: every write transaction
/// is exclusive anyway).
/// </summary>
public sealed partial class RunRows(Database database, DbConnection connection, DbTransaction transaction)
{
    const string RunColumns =
        "run_id, state, plan_known, pipeline_name, mode, stage_count, started_at, completed_at, cancel_requested, cancel_reason, cancel_requested_by, trace_parent, "
        + "idempotency_key, trigger, triggered_by";

    // Plan rows written by one INSERT: far below either database's limit on parameters.
    const int InsertChunk = 100;

    readonly List<Action> _afterCommit = [];
    readonly List<RunChange> _changes = [];

    bool Postgres => database.Provider == DatabaseProvider.Postgres;

    /// <summary>
    /// The run's trace (the W3C traceparent its plan arrived in), as read or stored in this transaction:
    /// what a message of another trace (a cancel request) causes is published in the run's trace.
    /// </summary>
    public string? TraceParent { get; private set; }

    /// <summary>
    /// Does <paramref name="action"/> (a metric) once this transaction committed, and never for a try
    /// that lost a race and starts over: a run's outcome and a task's duration are counted once.
    /// </summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>
    /// What this transaction changed for the run's event journal, in order: the caller appends it last
    /// (<see cref="RunEventJournal"/>), so the journal's lock is held only until the commit.
    /// </summary>
    public IReadOnlyList<RunChange> Changes => _changes;

    /// <summary>Runs what <see cref="AfterCommit"/> queued; the caller calls it once the commit succeeded.</summary>
    public void Committed()
    {
        foreach (var action in _afterCommit)
            action();
    }

    /// <summary>What a task update needs, read (and its attempt's row locked) in one round trip.</summary>
    public async Task<TaskUpdateView> BeginTaskUpdateAsync(TaskUpdated update, bool exclusive, CancellationToken cancellationToken)
    {
        var lockRow = Postgres ? " FOR UPDATE" : "";
        await using var command = connection.Command(
            $"""
            {RunLock(exclusive)}
            SELECT {RunColumns} FROM {RunStatusReader.RunTable} WHERE run_id = @run;
            SELECT {RunStatusReader.AttemptColumns} FROM {RunStatusReader.AttemptTable} WHERE task_id = @task AND attempt = @attempt{lockRow};
            SELECT max(attempt) FROM {RunStatusReader.AttemptTable} WHERE task_id = @task;
            SELECT stage_index, name, kind, target, attempt, retries, retries_used, retry_backoff, allow_failure FROM {RunStatusReader.TaskTable} WHERE task_id = @task;
            """,
            transaction, ("key", LockKey(update.RunId)), ("run", update.RunId), ("task", update.TaskId), ("attempt", update.Attempt));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (Postgres)
            await reader.NextResultAsync(cancellationToken); // the lock's empty result

        var run = await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
        await reader.NextResultAsync(cancellationToken);
        var attempt = await reader.ReadAsync(cancellationToken) ? RunStatusReader.ReadAttempt(reader) : null;
        await reader.NextResultAsync(cancellationToken);
        var latest = await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? reader.GetInt32(0) : 0;
        await reader.NextResultAsync(cancellationToken);
        PlannedTaskRow? planned = null;
        var allowFailure = false;
        if (await reader.ReadAsync(cancellationToken))
            (planned, allowFailure) = (ReadPlannedTask(reader), reader.GetBoolean(8));
        return new TaskUpdateView(run, attempt, latest, planned?.StageIndex) { Planned = planned, AllowFailure = allowFailure };
    }

    /// <summary>Takes the run's lock exclusively and reads its row: for messages about the whole run.</summary>
    public async Task<RunRow?> LockRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"""
            {RunLock(exclusive: true)}
            SELECT {RunColumns} FROM {RunStatusReader.RunTable} WHERE run_id = @run;
            """,
            transaction, ("key", LockKey(runId)), ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (Postgres)
            await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
    }

    /// <summary>The whole run as the API would show it, in this transaction.</summary>
    public Task<PipelineRunState?> ReadRunStateAsync(Guid runId, CancellationToken cancellationToken) =>
        RunStatusReader.ReadAsync(connection, transaction, runId, cancellationToken);

    /// <summary>Inserts an attempt's first row; false when another transaction inserted it first (the caller starts over).</summary>
    public async Task<bool> InsertAttemptAsync(Guid runId, TaskRecord attempt, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(
            $"""
            INSERT INTO {RunStatusReader.AttemptTable} ({RunStatusReader.AttemptColumns})
            VALUES (@task, @attempt, @run, @name, @kind, @state, @sequence, @started, @finished, @updated, @exit, @reason, @message, @tail, @outputs, @worker, @cancelSent)
            ON CONFLICT (task_id, attempt) DO NOTHING
            """,
            transaction, cancellationToken, [("run", runId), .. AttemptParameters(attempt)]) == 1;

    /// <summary>
    /// Writes what a task update changed, in one round trip: the attempt's row (a new one, or the one
    /// <see cref="BeginTaskUpdateAsync"/> locked), the finished attempt's log if the update carries
    /// one, and, when <paramref name="endsInStage"/> is given, the task's end in its stage's counter row
    /// (row-locked until commit). Returns the stage's counters after it, or null when the stage is not
    /// counted (unknown, or already complete). A new attempt's row inserted meanwhile by another
    /// transaction is a unique violation (<see cref="Database.IsUniqueViolation"/>): the caller starts over.
    /// </summary>
    public async Task<StageCount?> WriteTaskUpdateAsync(
        Guid runId, TaskRecord attempt, bool isNew, TaskUpdated update, (int Stage, bool Failed)? endsInStage, CancellationToken cancellationToken, bool stateChanged = true)
    {
        var sql = new List<string>
        {
            isNew
                ? $"""
                  INSERT INTO {RunStatusReader.AttemptTable} ({RunStatusReader.AttemptColumns})
                  VALUES (@task, @attempt, @run, @name, @kind, @state, @sequence, @started, @finished, @updated, @exit, @reason, @message, @tail, @outputs, @worker, @cancelSent)
                  """
                : $"""
                  UPDATE {RunStatusReader.AttemptTable} SET name = @name, kind = @kind, state = @state, sequence = @sequence, started_at = @started,
                      finished_at = @finished, updated_at = @updated, exit_code = @exit, reason = @reason, message = @message, log_tail = @tail,
                      outputs = @outputs, worker = @worker, cancel_sent = @cancelSent
                  WHERE task_id = @task AND attempt = @attempt
                  """,
        };
        var parameters = new List<(string, object?)>(AttemptParameters(attempt)) { ("run", runId) };
        if (isNew || stateChanged)
            _changes.Add(new TaskStateChanged(runId, attempt.TaskId, attempt.Name, attempt.Attempt, attempt.State?.ToString() ?? "Pending", attempt.Reason, attempt.StartedAt, attempt.FinishedAt));
        if (attempt.IsTerminal && update.Log is not null)
        {
            // The finished attempt's log, which its terminal update carried, so the API can serve it after the pod is gone.
            sql.Add("""
                INSERT INTO task_logs (task_id, attempt, run_id, task_name, log, truncated, captured_at)
                VALUES (@task, @attempt, @run, @name, @log, @truncated, @capturedAt)
                ON CONFLICT (task_id, attempt) DO UPDATE SET log = excluded.log, truncated = excluded.truncated, captured_at = excluded.captured_at
                """);
            parameters.AddRange([("log", update.Log), ("truncated", update.LogTruncated), ("capturedAt", update.FinishedAt ?? update.Timestamp)]);
        }

        if (endsInStage is { } end)
        {
            sql.Add($"""
                UPDATE {RunStatusReader.StageTable} SET tasks_ended = tasks_ended + 1, tasks_failed = tasks_failed + @failedOne
                WHERE run_id = @run AND stage_index = @stage AND completed = @no
                RETURNING tasks_ended, task_count, tasks_failed
                """);
            parameters.AddRange([("failedOne", end.Failed ? 1 : 0), ("stage", end.Stage), ("no", false)]);
        }

        await using var command = connection.Command(string.Join(";\n", sql), transaction, [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (endsInStage is null)
            return null;
        // The counter's result is the last: skip the statements before it, which return no rows.
        do
        {
            if (reader.FieldCount == 3 && await reader.ReadAsync(cancellationToken))
                return new StageCount(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
        }
        while (await reader.NextResultAsync(cancellationToken));
        return null;
    }

    /// <summary>
    /// Where the run's finally stages begin (null without any) and its first failed stage so far (null
    /// when none failed): what decides whether a stage's end ends the run, and how.
    /// </summary>
    public async Task<(int? FirstFinallyStage, int? FirstFailedStage)> FinallyViewAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"""
            SELECT min(CASE WHEN is_finally = @yes THEN stage_index END), min(CASE WHEN completed = @yes AND succeeded = @no THEN stage_index END)
            FROM {RunStatusReader.StageTable} WHERE run_id = @run
            """,
            transaction, ("yes", true), ("no", false), ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return (null, null);
        return (reader.IsDBNull(0) ? null : Convert.ToInt32(reader.GetValue(0)), reader.IsDBNull(1) ? null : Convert.ToInt32(reader.GetValue(1)));
    }

    /// <summary>Marks that a CancelTask went out for an attempt.</summary>
    public Task MarkCancelSentAsync(Guid taskId, int attempt, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            $"UPDATE {RunStatusReader.AttemptTable} SET cancel_sent = @sent WHERE task_id = @task AND attempt = @attempt",
            transaction, cancellationToken, ("sent", true), ("task", taskId), ("attempt", attempt));

    /// <summary>
    /// Marks a stage complete and reads it back, in one round trip: its name, when it ended (when its
    /// last task did), its tasks with their latest attempts (plan facts filled in) in plan order, and
    /// when the stage before it ended.
    /// </summary>
    public async Task<(string Name, DateTimeOffset CompletedAt, IReadOnlyList<TaskRecord> Tasks, DateTimeOffset? PreviousCompletedAt)> CompleteStageAsync(
        Guid runId, int stageIndex, bool succeeded, CancellationToken cancellationToken)
    {
        const string StageTasks = $"SELECT task_id FROM {RunStatusReader.TaskTable} WHERE run_id = @run AND stage_index = @stage";
        await using var command = connection.Command(
            $"""
            UPDATE {RunStatusReader.StageTable} SET completed = @yes, succeeded = @succeeded,
                completed_at = (SELECT max(COALESCE(finished_at, updated_at)) FROM {RunStatusReader.AttemptTable} WHERE task_id IN ({StageTasks}))
            WHERE run_id = @run AND stage_index = @stage
            RETURNING name, completed_at;
            SELECT task_id, name, kind, target FROM {RunStatusReader.TaskTable} WHERE run_id = @run AND stage_index = @stage ORDER BY position;
            SELECT {RunStatusReader.AttemptColumns} FROM {RunStatusReader.AttemptTable} WHERE task_id IN ({StageTasks}) ORDER BY attempt;
            SELECT completed_at FROM {RunStatusReader.StageTable} WHERE run_id = @run AND stage_index = @previous;
            """,
            transaction, ("yes", true), ("succeeded", succeeded), ("run", runId), ("stage", stageIndex), ("previous", stageIndex - 1));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        _changes.Add(new StageCompletedChange(runId, stageIndex, succeeded));
        var (name, completedAt) = await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), RunStatusReader.NullableTimestamp(reader, 1) ?? DateTimeOffset.UtcNow)
            : ("", DateTimeOffset.UtcNow);
        await reader.NextResultAsync(cancellationToken);
        var tasks = new List<TaskRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tasks.Add(new TaskRecord
            {
                TaskId = reader.GetId(0),
                Name = reader.GetString(1),
                Kind = Enum.Parse<JobKind>(reader.GetString(2)),
                Target = JsonSerializer.Deserialize<KubernetesTarget>(reader.GetString(3), StoredJson.Options) ?? new KubernetesTarget(),
                StageIndex = stageIndex,
            });
        }

        await reader.NextResultAsync(cancellationToken);
        var index = tasks.Select((t, i) => (t.TaskId, i)).ToDictionary(p => p.TaskId, p => p.i);
        while (await reader.ReadAsync(cancellationToken))
        {
            var attempt = RunStatusReader.ReadAttempt(reader);
            var planned = tasks[index[attempt.TaskId]];
            attempt.Name = planned.Name;
            attempt.Target = planned.Target;
            attempt.StageIndex = stageIndex;
            tasks[index[attempt.TaskId]] = attempt; // ordered by attempt: the latest stays
        }

        await reader.NextResultAsync(cancellationToken);
        var previousCompletedAt = await reader.ReadAsync(cancellationToken) ? RunStatusReader.NullableTimestamp(reader, 0) : null;
        return (name, completedAt, tasks, previousCompletedAt);
    }

    /// <summary>Moves the run to a state; the first completion time stands.</summary>
    public Task SetRunStateAsync(Guid runId, string state, DateTimeOffset? completedAt, CancellationToken cancellationToken)
    {
        _changes.Add(new RunStateChanged(runId, state, completedAt ?? DateTimeOffset.UtcNow));
        return connection.ExecuteAsync(
            $"UPDATE {RunStatusReader.RunTable} SET state = @state, completed_at = COALESCE(completed_at, @completed), updated_at = @now WHERE run_id = @run",
            transaction, cancellationToken, ("state", state), ("completed", completedAt), ("now", DateTimeOffset.UtcNow), ("run", runId));
    }

    /// <summary>Records a cancellation request: on the run's row, or on a new one while the plan has not arrived.</summary>
    public Task RequestCancelAsync(RunRow? run, Guid runId, string reason, string? requestedBy, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            run is null
                ? $"""
                  INSERT INTO {RunStatusReader.RunTable} ({RunColumns}, updated_at)
                  VALUES (@run, @state, @no, '', @mode, 0, NULL, NULL, @yes, @reason, @by, NULL, NULL, NULL, NULL, @now)
                  """
                : $"UPDATE {RunStatusReader.RunTable} SET cancel_requested = @yes, cancel_reason = @reason, cancel_requested_by = @by, updated_at = @now WHERE run_id = @run",
            transaction, cancellationToken,
            ("run", runId), ("state", RunStates.AwaitingPlan), ("no", false), ("mode", nameof(RunMode.Normal)), ("yes", true),
            ("reason", reason), ("by", requestedBy), ("now", DateTimeOffset.UtcNow));

    /// <summary>
    /// Stores the plan: the run's row (Running), its tasks, and a counter row per stage that already
    /// counts the tasks whose end arrived before the plan (<paramref name="ended"/>: task id → failed).
    /// </summary>
    public async Task SavePlanAsync(RunRow? run, PipelineRunStarted started, IReadOnlyDictionary<Guid, bool> ended, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        (string, object?)[] runParameters =
        [
            ("run", started.RunId), ("state", RunStates.Running), ("yes", true), ("name", started.PipelineName), ("mode", started.Mode.ToString()),
            ("stages", started.Stages.Count), ("started", started.StartedAt), ("no", false), ("now", now), ("trace", TraceParent ?? MFlowTelemetry.CurrentTraceParent),
            ("key", started.IdempotencyKey), ("trigger", started.Trigger), ("by", started.TriggeredBy),
        ];
        // The run's trace is the one its plan arrived in (the request that started it).
        TraceParent = TraceParent ?? MFlowTelemetry.CurrentTraceParent;
        await connection.ExecuteAsync(
            run is null
                ? $"""
                  INSERT INTO {RunStatusReader.RunTable} ({RunColumns}, updated_at)
                  VALUES (@run, @state, @yes, @name, @mode, @stages, @started, NULL, @no, NULL, NULL, @trace, @key, @trigger, @by, @now)
                  """
                : $"""
                  UPDATE {RunStatusReader.RunTable} SET state = @state, plan_known = @yes, pipeline_name = @name, mode = @mode, stage_count = @stages,
                      started_at = @started, trace_parent = @trace, idempotency_key = @key, trigger = @trigger, triggered_by = @by, updated_at = @now
                  WHERE run_id = @run
                  """,
            transaction, cancellationToken, runParameters);

        var tasks = started.Stages.SelectMany(stage => stage.Tasks.Select((task, position) => (Stage: stage.Index, Position: position, Task: task)));
        foreach (var chunk in tasks.Chunk(InsertChunk))
        {
            var parameters = new List<(string, object?)> { ("run", started.RunId) };
            var values = chunk.Select((t, i) =>
            {
                parameters.AddRange([($"id{i}", t.Task.TaskId), ($"stage{i}", t.Stage), ($"pos{i}", t.Position), ($"name{i}", t.Task.Name),
                    ($"kind{i}", t.Task.Kind.ToString()), ($"target{i}", JsonSerializer.Serialize(t.Task.Target, StoredJson.Options)), ($"allow{i}", t.Task.AllowFailure),
                    ($"retries{i}", t.Task.Retries), ($"backoff{i}", t.Task.RetryBackoff is null ? null : JsonSerializer.Serialize(t.Task.RetryBackoff, StoredJson.Options))]);
                return $"(@id{i}, @run, @stage{i}, @pos{i}, @name{i}, @kind{i}, @target{i}, @allow{i}, @retries{i}, @backoff{i})";
            }).ToList();
            await connection.ExecuteAsync(
                $"""
                INSERT INTO {RunStatusReader.TaskTable} (task_id, run_id, stage_index, position, name, kind, target, allow_failure, retries, retry_backoff)
                VALUES {string.Join(", ", values)} ON CONFLICT (task_id) DO NOTHING
                """,
                transaction, cancellationToken, [.. parameters]);
        }

        foreach (var chunk in started.Stages.Chunk(InsertChunk))
        {
            var parameters = new List<(string, object?)> { ("run", started.RunId), ("no", false) };
            var values = chunk.Select((stage, i) =>
            {
                var endedHere = stage.Tasks.Where(t => ended.ContainsKey(t.TaskId)).ToList();
                parameters.AddRange([($"index{i}", stage.Index), ($"name{i}", stage.Name), ($"count{i}", stage.Tasks.Count),
                    ($"ended{i}", endedHere.Count), ($"failed{i}", endedHere.Count(t => ended[t.TaskId])), ($"finally{i}", stage.Finally)]);
                return $"(@run, @index{i}, @name{i}, @count{i}, @ended{i}, @failed{i}, @no, @no, NULL, @finally{i})";
            }).ToList();
            await connection.ExecuteAsync(
                $"""
                INSERT INTO {RunStatusReader.StageTable} (run_id, stage_index, name, task_count, tasks_ended, tasks_failed, completed, succeeded, completed_at, is_finally)
                VALUES {string.Join(", ", values)}
                """,
                transaction, cancellationToken, [.. parameters]);
        }
    }

    /// <summary>
    /// Writes a run kept by an earlier version as one JSON document (pipeline_run_state) as rows: the
    /// run, its stages with their counters, its planned tasks and each task's latest attempt. Does
    /// nothing when the run already has its row (another replica imported it).
    /// </summary>
    public async Task<bool> ImportAsync(PipelineRunState run, CancellationToken cancellationToken)
    {
        if (await LockRunAsync(run.CorrelationId, cancellationToken) is not null)
            return false;

        var now = DateTimeOffset.UtcNow;
        await connection.ExecuteAsync(
            $"""
            INSERT INTO {RunStatusReader.RunTable} ({RunColumns}, updated_at)
            VALUES (@run, @state, @planKnown, @name, @mode, @stages, @started, @completed, @cancel, @reason, @by, @trace, NULL, NULL, NULL, @now)
            """,
            transaction, cancellationToken,
            ("run", run.CorrelationId), ("state", run.CurrentState is "" or "Initial" ? RunStates.AwaitingPlan : run.CurrentState),
            ("planKnown", run.PlanKnown), ("name", run.PipelineName), ("mode", run.Mode.ToString()), ("stages", run.Stages.Count),
            ("started", run.StartedAt), ("completed", run.CompletedAt), ("cancel", run.CancelRequested), ("reason", run.CancelReason),
            ("by", run.CancelRequestedBy), ("trace", run.TraceParent), ("now", now));
        foreach (var stage in run.Stages)
        {
            var tasks = stage.TaskIds.Select(id => run.Tasks[id]).ToList();
            await connection.ExecuteAsync(
                $"""
                INSERT INTO {RunStatusReader.StageTable} (run_id, stage_index, name, task_count, tasks_ended, tasks_failed, completed, succeeded, completed_at)
                VALUES (@run, @index, @name, @count, @ended, @failed, @completed, @succeeded, @at)
                """,
                transaction, cancellationToken,
                ("run", run.CorrelationId), ("index", stage.Index), ("name", stage.Name), ("count", tasks.Count),
                ("ended", tasks.Count(t => t.IsTerminal)), ("failed", tasks.Count(t => t.IsTerminal && t.State != TaskState.Succeeded)),
                ("completed", stage.Completed), ("succeeded", stage.Succeeded), ("at", stage.CompletedAt));
            for (var position = 0; position < tasks.Count; position++)
            {
                var task = tasks[position];
                await connection.ExecuteAsync(
                    $"""
                    INSERT INTO {RunStatusReader.TaskTable} (task_id, run_id, stage_index, position, name, kind, target)
                    VALUES (@task, @run, @stage, @position, @name, @kind, @target) ON CONFLICT (task_id) DO NOTHING
                    """,
                    transaction, cancellationToken,
                    ("task", task.TaskId), ("run", run.CorrelationId), ("stage", stage.Index), ("position", position), ("name", task.Name),
                    ("kind", task.Kind.ToString()), ("target", JsonSerializer.Serialize(task.Target, StoredJson.Options)));
            }
        }

        foreach (var task in run.Tasks.Values.Where(t => t.State is not null))
            await InsertAttemptAsync(run.CorrelationId, task, cancellationToken);
        return true;
    }

    /// <summary>The attempts reported for <paramref name="tasks"/>: task, attempt, and whether it ended.</summary>
    public static async Task<IReadOnlyList<(Guid TaskId, int Attempt, bool Ended)>> AttemptsOfAsync(
        DbConnection connection, IReadOnlyCollection<Guid> tasks, CancellationToken cancellationToken)
    {
        var attempts = new List<(Guid, int, bool)>();
        foreach (var chunk in tasks.Chunk(1000))
        {
            var (list, parameters) = DbCommandExtensions.InList("task", chunk);
            await using var command = connection.Command(
                $"SELECT task_id, attempt, state FROM {RunStatusReader.AttemptTable} WHERE task_id IN ({list})", null, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                attempts.Add((reader.GetId(0), reader.GetInt32(1), Enum.TryParse<TaskState>(reader.GetString(2), out var state) && state.IsTerminal()));
        }

        return attempts;
    }

    string RunLock(bool exclusive) => Postgres
        ? exclusive ? "SELECT pg_advisory_xact_lock(@key);" : "SELECT pg_advisory_xact_lock_shared(@key);"
        : "";

    // The run's advisory lock key: the id's two halves folded into one bigint. Two runs that share a
    // key only wait for each other's whole-run messages; nothing is wrong when they do.
    static long LockKey(Guid runId)
    {
        Span<byte> bytes = stackalloc byte[16];
        runId.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]);
    }

    // Reads a run's row (RunColumns) and remembers its trace.
    RunRow ReadRun(DbDataReader reader)
    {
        TraceParent = reader.GetNullableString(11);
        return new RunRow(
            reader.GetId(0),
            reader.GetString(1),
            reader.GetBoolean(2),
            reader.GetString(3),
            Enum.Parse<RunMode>(reader.GetString(4)),
            reader.GetInt32(5),
            RunStatusReader.NullableTimestamp(reader, 6),
            RunStatusReader.NullableTimestamp(reader, 7),
            reader.GetBoolean(8),
            reader.GetNullableString(9),
            reader.GetNullableString(10))
        {
            IdempotencyKey = reader.GetNullableString(12),
            Trigger = reader.GetNullableString(13),
            TriggeredBy = reader.GetNullableString(14),
        };
    }

    static (string, object?)[] AttemptParameters(TaskRecord attempt) =>
    [
        ("task", attempt.TaskId), ("attempt", attempt.Attempt), ("name", attempt.Name), ("kind", attempt.Kind.ToString()),
        ("state", attempt.State?.ToString()), ("sequence", attempt.Sequence), ("started", attempt.StartedAt), ("finished", attempt.FinishedAt),
        ("updated", attempt.UpdatedAt), ("exit", attempt.ExitCode), ("reason", attempt.Reason), ("message", attempt.Message),
        ("tail", attempt.LogTail), ("outputs", JsonSerializer.Serialize(attempt.Outputs, StoredJson.Options)), ("worker", attempt.Worker),
        ("cancelSent", attempt.CancelSent),
    ];
}

/// <summary>A run's row.</summary>
public sealed record RunRow(
    Guid RunId,
    string State,
    bool PlanKnown,
    string PipelineName,
    RunMode Mode,
    int StageCount,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    bool CancelRequested,
    string? CancelReason,
    string? CancelRequestedBy)
{
    /// <summary>The key the run was requested with, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>What caused the run.</summary>
    public string? Trigger { get; init; }

    /// <summary>Who asked for the run.</summary>
    public string? TriggeredBy { get; init; }
}

/// <summary>
/// What a task update found: the run's row (null before the plan or a cancellation), the attempt's
/// row (null for its first update), the task's latest attempt number (0: none), and its stage (null before the plan).
/// </summary>
public sealed record TaskUpdateView(RunRow? Run, TaskRecord? Attempt, int LatestAttempt, int? StageIndex)
{
    /// <summary>True when the plan lets the task fail without failing its stage (allowFailure).</summary>
    public bool AllowFailure { get; init; }

    /// <summary>The task's plan row: its current attempt and retry budget (null before the plan).</summary>
    public PlannedTaskRow? Planned { get; init; }
}

/// <summary>A stage's counters after a task ended.</summary>
public sealed record StageCount(int Ended, int TaskCount, int Failed)
{
    /// <summary>True when this end was the stage's last.</summary>
    public bool Complete => Ended == TaskCount;
}
