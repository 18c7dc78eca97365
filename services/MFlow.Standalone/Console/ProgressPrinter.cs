using System.Collections.Concurrent;
using MFlow.Contracts;
using MFlow.Execution;
using MFlow.Execution.Reporting;

namespace MFlow.Standalone.Console;

/// <summary>Prints a run's progress as it happens: stages, task transitions, and each task's output lines.</summary>
public sealed class ProgressPrinter(TextWriter output) : ITaskOutputListener
{
    readonly ConcurrentDictionary<Guid, long> _lastSequence = new();
    readonly Lock _lock = new();
    readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    /// <summary>Set to print task output lines, not just transitions.</summary>
    public bool ShowOutput { get; set; } = true;

    /// <inheritdoc />
    public void OnOutput(TaskRef task, string container, string line)
    {
        if (ShowOutput)
            Write($"  {task.TaskName,-20} │ {line}");
    }

    /// <summary>A run was accepted.</summary>
    public void RunStarted(PipelineRunStarted started) =>
        Write($"▶ run {started.RunId} of '{started.PipelineName}': {started.Stages.Count} stages, {started.Stages.Sum(s => s.Tasks.Count)} tasks");

    /// <summary>A task changed state; duplicates and late arrivals are not printed.</summary>
    public void TaskUpdated(TaskUpdated update)
    {
        var last = _lastSequence.GetOrAdd(update.TaskId, 0);
        if (update.Sequence <= last || !_lastSequence.TryUpdate(update.TaskId, update.Sequence, last))
            return;

        var detail = update.State switch
        {
            TaskState.Succeeded => $"succeeded{Duration(update)}{Outputs(update)}",
            TaskState.Failed => $"FAILED{(update.ExitCode is { } code ? $" (exit {code})" : "")}: {update.Message}",
            TaskState.Cancelled => "cancelled",
            TaskState.Skipped => $"skipped: {update.Message}",
            var state => state.ToString().ToLowerInvariant(),
        };
        var attempt = update.Attempt > 1 ? $" [attempt {update.Attempt}]" : "";
        Write($"  {update.TaskName,-20} ● {update.Kind.ToString().ToLowerInvariant(),-6} {detail}{attempt}");
    }

    /// <summary>A stage ended.</summary>
    public void StageCompleted(StageCompleted stage) =>
        Write($"■ stage {stage.StageIndex + 1} '{stage.StageName}' {(stage.Succeeded ? "succeeded" : "failed")}");

    /// <summary>The run waits at a gate.</summary>
    public void WaitingForApproval(PipelineRunWaitingForApproval waiting, bool approving) =>
        Write($"⏸ stage {waiting.StageIndex + 1} '{waiting.StageName}' waits for approval{(waiting.Message is { Length: > 0 } message ? $": {message}" : "")} — "
            + (approving ? "approving (--approve)"
                : waiting.ExpiresAt is { } expires ? $"its timeout {waiting.OnTimeout}s it at {expires:HH:mm:ss} (or rerun with --approve)"
                : "nothing decides it here: rerun with --approve, or stop with Ctrl-C"));

    /// <summary>Prints a run's end.</summary>
    public void RunEnded(Guid runId, string outcome) => Write($"{(outcome == "Succeeded" ? "✔" : "✘")} run {runId} {outcome.ToLowerInvariant()}");

    void Write(string line)
    {
        var elapsed = DateTimeOffset.UtcNow - _started;
        lock (_lock)
            output.WriteLine($"[{elapsed.TotalSeconds,6:0.0}s] {line}");
    }

    static string Duration(TaskUpdated update) =>
        update is { StartedAt: { } start, FinishedAt: { } end } ? $" in {(end - start).TotalSeconds:0.0}s" : "";

    static string Outputs(TaskUpdated update) =>
        update.Outputs.Count == 0 ? "" : "  → " + string.Join(", ", update.Outputs.Select(o => $"{o.Key}={Shorten(o.Value)}"));

    static string Shorten(string value) => value.Length <= 40 ? value : value[..37] + "...";
}
