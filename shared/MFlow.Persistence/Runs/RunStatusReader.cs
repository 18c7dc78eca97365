using System.Data.Common;
using System.Text.Json;
using MFlow.Contracts;

namespace MFlow.Persistence.Runs;

/// <summary>
/// Reads runs' progress from the aggregator's rows as <see cref="PipelineRunState"/>: the read side
/// the scheduler's API and the aggregator's own queries share. Dispatching a stage never reads these rows:
/// what the scheduler needs from them travels in StageCompleted.
/// </summary>
public static class RunStatusReader
{
    /// <summary>One row per run.</summary>
    public const string RunTable = "run_status";

    /// <summary>One counter row per stage.</summary>
    public const string StageTable = "run_stages";

    /// <summary>One row per planned task.</summary>
    public const string TaskTable = "run_tasks";

    /// <summary>One row per task attempt a worker reported.</summary>
    public const string AttemptTable = "task_attempts";

    /// <summary>A run's state (in the caller's transaction, if any), or null while the aggregator knows nothing of it.</summary>
    public static async Task<PipelineRunState?> ReadAsync(DbConnection connection, DbTransaction? transaction, Guid runId, CancellationToken cancellationToken) =>
        (await ReadManyAsync(connection, transaction, [runId], cancellationToken)).GetValueOrDefault(runId);

    /// <summary>The state of each of <paramref name="runIds"/> the aggregator knows of, in four queries whatever their number.</summary>
    public static async Task<IReadOnlyDictionary<Guid, PipelineRunState>> ReadManyAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<Guid, PipelineRunState>();
        if (runIds.Count == 0)
            return runs;

        var (inList, parameters) = DbCommandExtensions.InList("run", runIds);
        await using var command = connection.Command(
            $"""
            SELECT run_id, state, plan_known, pipeline_name, mode, started_at, completed_at, cancel_requested, cancel_reason, cancel_requested_by, end_reason, resumes, resumed_by
            FROM {RunTable} WHERE run_id IN ({inList});
            SELECT run_id, stage_index, name, completed, succeeded, completed_at FROM {StageTable} WHERE run_id IN ({inList}) ORDER BY stage_index;
            SELECT run_id, task_id, stage_index, name, kind, target, attempt FROM {TaskTable} WHERE run_id IN ({inList}) ORDER BY stage_index, position;
            SELECT {AttemptColumns} FROM {AttemptTable} WHERE run_id IN ({inList}) ORDER BY attempt;
            """,
            transaction, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        PipelineRunState Run(Guid id) => runs.TryGetValue(id, out var run) ? run : runs[id] = new PipelineRunState { CorrelationId = id, CurrentState = "AwaitingPlan" };

        while (await reader.ReadAsync(cancellationToken))
        {
            var run = Run(reader.GetId(0));
            run.CurrentState = reader.GetString(1);
            run.PlanKnown = reader.GetBoolean(2);
            run.PipelineName = reader.GetString(3);
            run.Mode = Enum.Parse<RunMode>(reader.GetString(4));
            run.StartedAt = NullableTimestamp(reader, 5);
            run.CompletedAt = NullableTimestamp(reader, 6);
            run.CancelRequested = reader.GetBoolean(7);
            run.CancelReason = reader.GetNullableString(8);
            run.CancelRequestedBy = reader.GetNullableString(9);
            run.EndReason = reader.GetNullableString(10);
            run.Resumes = reader.GetInt32(11);
            run.ResumedBy = reader.GetNullableString(12);
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Run(reader.GetId(0)).Stages.Add(new StageRecord
            {
                Index = reader.GetInt32(1),
                Name = reader.GetString(2),
                Completed = reader.GetBoolean(3),
                Succeeded = reader.GetBoolean(4),
                CompletedAt = NullableTimestamp(reader, 5),
            });
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = Run(reader.GetId(0));
            var task = new TaskRecord
            {
                TaskId = reader.GetId(1),
                StageIndex = reader.GetInt32(2),
                Name = reader.GetString(3),
                Kind = Enum.Parse<JobKind>(reader.GetString(4)),
                Target = JsonSerializer.Deserialize<KubernetesTarget>(reader.GetString(5), StoredJson.Options) ?? new KubernetesTarget(),
            };
            run.Tasks[task.TaskId] = task;
            run.CurrentAttempts[task.TaskId] = reader.GetInt32(6);
            run.Stages.FirstOrDefault(s => s.Index == task.StageIndex)?.TaskIds.Add(task.TaskId);
        }

        // Ordered by attempt: a task's latest attempt is read last and is the one kept.
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = Run(reader.GetId(2));
            var attempt = ReadAttempt(reader);
            if (run.Tasks.TryGetValue(attempt.TaskId, out var planned))
            {
                attempt.StageIndex = planned.StageIndex;
                attempt.Target = planned.Target;
            }

            run.Tasks[attempt.TaskId] = attempt;
            if (!run.Attempts.TryGetValue(attempt.TaskId, out var history))
                run.Attempts[attempt.TaskId] = history = [];
            history.Add(attempt);
        }

        return runs;
    }

    /// <summary>The columns <see cref="ReadAttempt"/> reads, in its order.</summary>
    public const string AttemptColumns =
        "task_id, attempt, run_id, name, kind, state, sequence, started_at, finished_at, updated_at, exit_code, reason, message, log_tail, outputs, worker, cancel_sent";

    /// <summary>A task attempt row (selected as <see cref="AttemptColumns"/>) as a <see cref="TaskRecord"/> without its plan facts.</summary>
    public static TaskRecord ReadAttempt(DbDataReader reader) => new()
    {
        TaskId = reader.GetId(0),
        Attempt = reader.GetInt32(1),
        Name = reader.GetString(3),
        Kind = Enum.Parse<JobKind>(reader.GetString(4)),
        State = Enum.Parse<TaskState>(reader.GetString(5)),
        Sequence = reader.GetInt64(6),
        StartedAt = NullableTimestamp(reader, 7),
        FinishedAt = NullableTimestamp(reader, 8),
        UpdatedAt = NullableTimestamp(reader, 9),
        ExitCode = reader.IsDBNull(10) ? null : reader.GetInt32(10),
        Reason = reader.GetNullableString(11),
        Message = reader.GetNullableString(12),
        LogTail = reader.GetNullableString(13),
        Outputs = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(14), StoredJson.Options) ?? [],
        Worker = reader.GetNullableString(15),
        CancelSent = reader.GetBoolean(16),
    };

    /// <summary>
    /// The latest attempt of a task as reported (plan facts left out), or null before any report:
    /// what the output route checks a token's attempt against.
    /// </summary>
    public static async Task<TaskRecord?> LatestAttemptAsync(DbConnection connection, Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"SELECT {AttemptColumns} FROM {AttemptTable} WHERE task_id = @task ORDER BY attempt DESC LIMIT 1", null, ("task", taskId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAttempt(reader) : null;
    }

    /// <summary>A nullable timestamp column.</summary>
    public static DateTimeOffset? NullableTimestamp(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetTimestamp(ordinal);
}
