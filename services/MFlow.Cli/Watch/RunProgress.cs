using System.Text.Json.Nodes;

namespace MFlow.Cli.Watch;

/// <summary>
/// A run as a watcher sees it: built from the run's view (the stream's snapshot, or GET
/// /api/v1/runs/{id}), then changed by each event. <see cref="Apply"/> says in words what changed.
/// </summary>
public sealed class RunProgress
{
    /// <summary>The run.</summary>
    public Guid Id { get; private init; }

    /// <summary>Its pipeline's name.</summary>
    public string Pipeline { get; private init; } = "";

    /// <summary>Queued, Running, WaitingForApproval, Cancelling, Succeeded, Failed, Cancelled or Rejected.</summary>
    public string State { get; private set; } = "";

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; private init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? CompletedAt { get; private set; }

    /// <summary>Its stages in order.</summary>
    public IReadOnlyList<StageProgress> Stages { get; private init; } = [];

    /// <summary>Whether the run has ended.</summary>
    public bool Ended => IsTerminal(State);

    /// <summary>The states a run ends in.</summary>
    public static bool IsTerminal(string? state) => state is "Succeeded" or "Failed" or "Cancelled" or "Rejected";

    /// <summary>Reads the run view the API returns.</summary>
    public static RunProgress FromView(JsonNode run) => new()
    {
        Id = Guid.Parse(run.Text("id") ?? Guid.Empty.ToString()),
        Pipeline = run.Text("pipeline") ?? "",
        State = run.Text("state") ?? "",
        CreatedAt = run.Time("createdAt") ?? DateTimeOffset.UtcNow,
        CompletedAt = run.Time("completedAt"),
        Stages = [.. (run["stages"] as JsonArray ?? []).OfType<JsonNode>().Select(stage => new StageProgress
        {
            Name = stage.Text("name") ?? "",
            State = stage.Text("state") ?? "",
            Tasks = [.. (stage["tasks"] as JsonArray ?? []).OfType<JsonNode>().Select(task => new TaskProgress
            {
                Name = task.Text("name") ?? "",
                Kind = task.Text("kind") ?? "",
                State = task.Text("state") ?? "",
                Attempt = task["attempt"]?.GetValue<int>() ?? 0,
                StartedAt = task.Time("startedAt"),
                FinishedAt = task.Time("finishedAt"),
                Reason = task.Text("reason"),
                Message = task.Text("message"),
                ExitCode = task["exitCode"]?.GetValue<int>(),
            })],
        })],
    };

    /// <summary>A task's state as a line: <c>build/compile Failed (attempt 2) in 1.2s: Error</c>.</summary>
    public static string Describe(StageProgress stage, TaskProgress task)
    {
        var line = $"{stage.Name}/{task.Name} {task.State}";
        if (task.Attempt > 1)
            line += $" (attempt {task.Attempt})";
        if (task is { StartedAt: { } started, FinishedAt: { } finished })
            line += $" in {Durations.Format(finished - started)}";
        if (task.State == "Failed" && task.Reason is { } reason)
            line += $": {reason}";
        return line;
    }

    /// <summary>
    /// Applies one event (<c>task</c>, <c>stage</c> or <c>run</c>) and returns what changed, as a line
    /// for a log (null when nothing a user would notice changed; unknown events are ignored).
    /// </summary>
    public string? Apply(string type, JsonNode data)
    {
        switch (type)
        {
            case "task":
                var name = data.Text("task") ?? "";
                var stage = Stages.FirstOrDefault(s => s.Name == data.Text("stage") && s.Tasks.Any(t => t.Name == name))
                    ?? Stages.FirstOrDefault(s => s.Tasks.Any(t => t.Name == name));
                var task = stage?.Tasks.First(t => t.Name == name);
                if (stage is null || task is null)
                    return null;
                var attempt = data["attempt"]?.GetValue<int>() ?? task.Attempt;
                if (attempt < task.Attempt)
                    return null; // a late report of an attempt already superseded
                if (attempt > task.Attempt)
                    (task.StartedAt, task.FinishedAt, task.Reason, task.Message, task.ExitCode) = (null, null, null, null, null);
                task.Attempt = attempt;
                task.State = data.Text("state") ?? task.State;
                task.StartedAt = data.Time("startedAt") ?? task.StartedAt;
                task.FinishedAt = data.Time("finishedAt") ?? task.FinishedAt;
                task.Reason = data.Text("reason") ?? task.Reason;
                if (stage.State is "Queued" or "Waiting")
                    stage.State = "Running";
                return Describe(stage, task);
            case "stage":
                var completed = Stages.FirstOrDefault(s => s.Name == data.Text("stage"));
                if (completed is null)
                    return null;
                completed.State = data["succeeded"]?.GetValue<bool>() == true ? "Succeeded" : "Failed";
                return $"stage {completed.Name} {completed.State.ToLowerInvariant()}";
            case "run":
                var state = data.Text("state") ?? State;
                if (state == State)
                    return null;
                State = state;
                if (Ended)
                    CompletedAt = data.Time("at") ?? DateTimeOffset.UtcNow;
                return $"run {State}";
            default:
                return null;
        }
    }
}

/// <summary>A stage of a watched run.</summary>
public sealed class StageProgress
{
    /// <summary>Its name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Waiting, Queued, Running, Succeeded or Failed.</summary>
    public string State { get; set; } = "";

    /// <summary>Its tasks.</summary>
    public IReadOnlyList<TaskProgress> Tasks { get; init; } = [];

    /// <summary>From its first task's start to its last task's end (or now).</summary>
    public TimeSpan? Duration(DateTimeOffset now)
    {
        var starts = Tasks.Where(t => t.StartedAt is not null).Select(t => t.StartedAt!.Value).ToList();
        if (starts.Count == 0)
            return null;
        var end = Tasks.All(t => t.FinishedAt is not null || t.StartedAt is null) && State is "Succeeded" or "Failed"
            ? Tasks.Where(t => t.FinishedAt is not null).Select(t => t.FinishedAt!.Value).DefaultIfEmpty(now).Max()
            : now;
        return end - starts.Min();
    }
}

/// <summary>A task of a watched run.</summary>
public sealed class TaskProgress
{
    /// <summary>Its name, unique in the run.</summary>
    public string Name { get; init; } = "";

    /// <summary>build, deploy or vm.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Waiting, Queued, Pending, Running, Succeeded, Failed, Cancelled, Skipped...</summary>
    public string State { get; set; } = "";

    /// <summary>The attempt reported (0 before any).</summary>
    public int Attempt { get; set; }

    /// <summary>When the attempt started.</summary>
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When the attempt ended.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Why it failed, in a word (Error, DeadlineExceeded, ...).</summary>
    public string? Reason { get; set; }

    /// <summary>Why it failed, in a sentence (from the run view).</summary>
    public string? Message { get; set; }

    /// <summary>The exit code of its command (from the run view).</summary>
    public int? ExitCode { get; set; }

    /// <summary>From its start to its end, or to now while it runs.</summary>
    public TimeSpan? Duration(DateTimeOffset now) => StartedAt is { } start ? (FinishedAt ?? now) - start : null;
}
