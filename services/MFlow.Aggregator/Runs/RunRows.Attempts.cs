using System.Data.Common;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

// A task's attempts beyond the first: the plan row says which attempt the run waits for, so a late
// update of an earlier attempt is recorded in that attempt's row but never counted in the stage.
public sealed partial class RunRows
{
    /// <summary>
    /// Moves a task to its next attempt as a retry: the run now waits for attempt
    /// <paramref name="failedAttempt"/> + 1 and one more retry is spent. False when the task had
    /// moved on already (the caller's transaction holds the failed attempt's row lock, so it has not).
    /// </summary>
    public async Task<bool> ScheduleRetryAsync(Guid taskId, int failedAttempt, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(
            $"""
            UPDATE {RunStatusReader.TaskTable} SET attempt = @next, retries_used = retries_used + 1
            WHERE task_id = @task AND attempt = @failed
            """,
            transaction, cancellationToken, ("next", failedAttempt + 1), ("task", taskId), ("failed", failedAttempt)) == 1;

    /// <summary>
    /// Puts a Failed or Cancelled run back to Running at stage <paramref name="stageIndex"/>: each of
    /// <paramref name="again"/> moves to its next attempt with its retry budget renewed, the stage's
    /// counter counts only the tasks that succeeded (<paramref name="succeeded"/>), and the run's end
    /// and cancellation are cleared. Returns each task's new attempt.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, int>> ResumeAsync(
        Guid runId, int stageIndex, IReadOnlyCollection<Guid> again, int succeeded, string? resumedBy, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(
            $"""
            UPDATE {RunStatusReader.RunTable} SET state = @running, completed_at = NULL, cancel_requested = @no, cancel_reason = NULL,
                cancel_requested_by = NULL, end_state = NULL, end_reason = NULL, resumes = resumes + 1, resumed_by = @by, updated_at = @now
            WHERE run_id = @run;
            UPDATE {RunStatusReader.StageTable} SET tasks_ended = @succeeded, tasks_failed = 0, completed = @no, succeeded = @no, completed_at = NULL
            WHERE run_id = @run AND stage_index = @stage
            """,
            transaction, cancellationToken,
            ("running", RunStates.Running), ("no", false), ("by", resumedBy), ("now", DateTimeOffset.UtcNow), ("run", runId),
            ("succeeded", succeeded), ("stage", stageIndex));

        _changes.Add(new RunStateChanged(runId, RunStates.Running, DateTimeOffset.UtcNow));
        var attempts = new Dictionary<Guid, int>();
        if (again.Count == 0)
            return attempts;
        var (list, parameters) = DbCommandExtensions.InList("task", again);
        await using var command = connection.Command(
            $"""
            UPDATE {RunStatusReader.TaskTable} SET attempt = attempt + 1, retries_used = 0
            WHERE run_id = @run AND task_id IN ({list})
            RETURNING task_id, attempt
            """,
            transaction, [("run", runId), .. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            attempts[reader.GetId(0)] = reader.GetInt32(1);
        return attempts;
    }

    // The task's plan row, as BeginTaskUpdateAsync selects it.
    static PlannedTaskRow ReadPlannedTask(DbDataReader reader) => new(
        reader.GetInt32(0),
        reader.GetString(1),
        Enum.Parse<JobKind>(reader.GetString(2)),
        JsonSerializer.Deserialize<KubernetesTarget>(reader.GetString(3), StoredJson.Options) ?? new KubernetesTarget(),
        reader.GetInt32(4),
        reader.GetInt32(5),
        reader.GetInt32(6),
        reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<RetryBackoff>(reader.GetString(7), StoredJson.Options));
}

/// <summary>
/// A planned task as the aggregator keeps it: where it is, the attempt the run waits for, and its
/// retry budget (<paramref name="RetriesUsed"/> of <paramref name="Retries"/> spent since the plan or
/// the last resume).
/// </summary>
public sealed record PlannedTaskRow(
    int StageIndex, string Name, JobKind Kind, KubernetesTarget Target, int Attempt, int Retries, int RetriesUsed, RetryBackoff? Backoff)
{
    /// <summary>True when a failure of the current attempt with <paramref name="reason"/> gets another attempt.</summary>
    public bool RetriesAfter(string? reason) => RetriesUsed < Retries && !TaskFailureReasons.IsPermanent(reason);

    /// <summary>How long the next retry waits.</summary>
    public TimeSpan NextDelay => (Backoff ?? RetryBackoff.Default).Before(RetriesUsed + 1);
}
