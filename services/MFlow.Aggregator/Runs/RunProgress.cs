using MFlow.Contracts;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// How a run's state moves, as pure functions over rows read by <see cref="RunRows"/>, so every rule is
/// testable without a bus or a database. <see cref="RunTracker"/> applies them in one transaction per message.
/// </summary>
public static class RunProgress
{
    /// <summary>
    /// The task attempt's record after <paramref name="update"/>, or null when the update is not newer
    /// (by sequence) than what the attempt has: a duplicate or a late arrival changes nothing. An
    /// attempt's first terminal state is therefore its only outcome: every terminal state of an
    /// attempt has the same sequence.
    /// </summary>
    public static TaskRecord? ApplyTaskUpdate(TaskRecord? attempt, TaskUpdated update)
    {
        if (attempt is not null && update.Sequence <= attempt.Sequence)
            return null;

        var outputs = new Dictionary<string, string>(attempt?.Outputs ?? [], StringComparer.Ordinal);
        foreach (var (name, value) in update.Outputs)
            outputs[name] = value;
        return new TaskRecord
        {
            TaskId = update.TaskId,
            Name = attempt?.Name is { Length: > 0 } known ? known : update.TaskName,
            Kind = attempt?.Kind ?? update.Kind,
            Attempt = update.Attempt,
            Sequence = update.Sequence,
            State = update.State,
            UpdatedAt = update.Timestamp,
            StartedAt = update.StartedAt ?? attempt?.StartedAt,
            FinishedAt = update.FinishedAt ?? attempt?.FinishedAt,
            ExitCode = update.ExitCode ?? attempt?.ExitCode,
            Reason = update.Reason,
            Message = update.Message,
            LogTail = update.LogTail ?? attempt?.LogTail,
            Outputs = outputs,
            Worker = update.Worker,
            CancelSent = attempt?.CancelSent ?? false,
        };
    }

    /// <summary>
    /// True when a task's end counts against its stage: Failed (unless the task may fail) or
    /// Cancelled. Succeeded and Skipped never do.
    /// </summary>
    public static bool CountsAsFailed(TaskRecord task, bool allowFailure) =>
        task.State is TaskState.Cancelled || (task.State is TaskState.Failed && !allowFailure);

    /// <summary>A stage's end, with its tasks' outputs by task name for later stages.</summary>
    public static StageCompleted StageCompleted(Guid runId, StageRecord stage, IReadOnlyList<TaskRecord> tasks) => new()
    {
        RunId = runId,
        StageIndex = stage.Index,
        StageName = stage.Name,
        Succeeded = stage.Succeeded,
        CompletedAt = stage.CompletedAt ?? DateTimeOffset.UtcNow,
        // A skipped task is left out: a later task that names its outputs is skipped too (see the scheduler's dispatch).
        Outputs = tasks.Where(t => t.State != TaskState.Skipped)
            .ToDictionary(t => t.Name, t => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(t.Outputs)),
    };

    /// <summary>How many of a run's failed tasks carry the end of their log: a stage of hundreds failing at once still makes a small event.</summary>
    public const int MaxFailuresWithLog = 10;

    /// <summary>The most lines of a failed task's log an event carries.</summary>
    public const int MaxLogTailLines = 20;

    /// <summary>The stage's tasks that did not succeed, for <see cref="PipelineRunFailed"/>; the first few with the end of their log.</summary>
    public static IReadOnlyList<TaskFailure> Failures(IEnumerable<TaskRecord> stageTasks) =>
        stageTasks
            .Where(t => t.State is not (TaskState.Succeeded or TaskState.Skipped))
            .Select((t, i) => Failure(t) with { LogTail = i < MaxFailuresWithLog ? BoundedLogTail(t.LogTail) : null })
            .ToList();

    /// <summary>A task's failure: its attempt's outcome and the end of its log.</summary>
    public static TaskFailure Failure(TaskRecord task) => new()
    {
        TaskId = task.TaskId,
        TaskName = task.Name,
        Attempt = task.Attempt,
        ExitCode = task.ExitCode,
        Reason = task.Reason,
        Message = task.Message,
        LogTail = BoundedLogTail(task.LogTail),
    };

    /// <summary>
    /// The last <see cref="MaxLogTailLines"/> lines of a task's log tail, at most
    /// <see cref="TaskFailure.MaxLogTailLength"/> characters. The tail is as the worker captured it,
    /// sensitive param values already masked there (the only process that holds them in the clear).
    /// </summary>
    public static string? BoundedLogTail(string? tail)
    {
        if (tail is null)
            return null;
        var lines = tail.TrimEnd('\n').Split('\n');
        var text = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - MaxLogTailLines)));
        return text.Length <= TaskFailure.MaxLogTailLength ? text : text[^TaskFailure.MaxLogTailLength..];
    }

    /// <summary>The event that announces a task's failure.</summary>
    public static TaskFailed TaskFailed(RunRow run, int stageIndex, TaskRecord task, string? runUrl) => new()
    {
        RunId = run.RunId,
        PipelineName = run.PipelineName,
        StageIndex = stageIndex,
        Task = Failure(task),
        Kind = task.Kind,
        StartedAt = task.StartedAt,
        FailedAt = task.FinishedAt ?? task.UpdatedAt ?? DateTimeOffset.UtcNow,
        IdempotencyKey = run.IdempotencyKey,
        Trigger = run.Trigger,
        TriggeredBy = run.TriggeredBy,
        RunUrl = runUrl,
    };

    /// <summary>Tasks a worker reported that have not ended.</summary>
    public static IEnumerable<TaskRecord> ActiveTasks(PipelineRunState run) =>
        run.Tasks.Values.Where(t => t.State is not null && !t.IsTerminal);

    /// <summary>The message that stops a task's current attempt.</summary>
    public static CancelTask CancelTask(PipelineRunState run, TaskRecord task) => new()
    {
        RunId = run.CorrelationId,
        TaskId = task.TaskId,
        TaskName = task.Name,
        Kind = task.Kind,
        Attempt = task.Attempt,
        Target = task.Target,
        Reason = run.CancelReason ?? "run cancelled",
    };

    /// <summary>The reason recorded for a cancellation: the first request's, or "cancelled".</summary>
    public static string CancelReason(CancelPipelineRun cancel) => string.IsNullOrWhiteSpace(cancel.Reason) ? "cancelled" : cancel.Reason;
}

/// <summary>The names of a run's states, as stored in run_status and shown by the API.</summary>
public static class RunStates
{
    /// <summary>Task updates (or a cancellation) arrived before the plan.</summary>
    public const string AwaitingPlan = "AwaitingPlan";

    /// <summary>The run is going.</summary>
    public const string Running = "Running";

    /// <summary>Cancellation was requested; waiting for running tasks to stop.</summary>
    public const string Cancelling = "Cancelling";

    /// <summary>Every stage succeeded.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>A stage failed.</summary>
    public const string Failed = "Failed";

    /// <summary>The run was cancelled.</summary>
    public const string Cancelled = "Cancelled";

    /// <summary>An approver (or an approval's timeout) rejected the run.</summary>
    public const string Rejected = "Rejected";

    /// <summary>True for a state the run never leaves.</summary>
    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled or Rejected;
}
