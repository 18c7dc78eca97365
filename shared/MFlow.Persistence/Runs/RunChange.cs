namespace MFlow.Persistence.Runs;

/// <summary>A change to a run that its event journal records (see <see cref="RunEventJournal"/>).</summary>
public abstract record RunChange(Guid RunId)
{
    /// <summary>The change's event type as GET /api/v1/runs/{id}/events names it: task, stage or run.</summary>
    public abstract string Type { get; }
}

/// <summary>A task attempt's state changed.</summary>
public sealed record TaskStateChanged(
    Guid RunId, Guid TaskId, string Task, int Attempt, string State, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt) : RunChange(RunId)
{
    /// <inheritdoc />
    public override string Type => RunEventTypes.Task;
}

/// <summary>A stage completed.</summary>
public sealed record StageCompletedChange(Guid RunId, int StageIndex, bool Succeeded) : RunChange(RunId)
{
    /// <inheritdoc />
    public override string Type => RunEventTypes.Stage;
}

/// <summary>
/// The run's state as users read it changed: Running, WaitingForApproval, Cancelling, or a terminal
/// state (Succeeded, Failed, Cancelled, Rejected).
/// </summary>
public sealed record RunStateChanged(Guid RunId, string State, DateTimeOffset At) : RunChange(RunId)
{
    /// <inheritdoc />
    public override string Type => RunEventTypes.Run;
}

/// <summary>The event types of a run's journal.</summary>
public static class RunEventTypes
{
    /// <summary>A task attempt's state.</summary>
    public const string Task = "task";

    /// <summary>A stage's completion.</summary>
    public const string Stage = "stage";

    /// <summary>The run's state.</summary>
    public const string Run = "run";

    /// <summary>True for the states a run ends in.</summary>
    public static bool IsTerminal(string? runState) => runState is "Succeeded" or "Failed" or "Cancelled" or "Rejected";
}

/// <summary>
/// A change as the journal returns it, with its per-run id; the stage is named (a task's stage is
/// known once the plan is, which may be after the task's first update).
/// </summary>
public sealed record JournaledRunEvent(
    long Id,
    string Type,
    DateTimeOffset At,
    string? State,
    string? Stage,
    string? Task,
    int? Attempt,
    string? Reason,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    bool? Succeeded)
{
    /// <summary>True for a run event that ends the run.</summary>
    public bool EndsRun => Type == RunEventTypes.Run && RunEventTypes.IsTerminal(State);
}
