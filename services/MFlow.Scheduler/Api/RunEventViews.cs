using System.Text.Json.Serialization;
using MFlow.Persistence.Runs;

namespace MFlow.Scheduler.Api;

/// <summary>The data of a <c>task</c> event: a task attempt's state changed.</summary>
public sealed record TaskEventData(
    Guid RunId,
    string? Stage,
    string Task,
    int Attempt,
    string State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? FinishedAt);

/// <summary>The data of a <c>stage</c> event: a stage completed.</summary>
public sealed record StageEventData(Guid RunId, string Stage, bool Succeeded);

/// <summary>The data of a <c>run</c> event: the run's state changed (Running, WaitingForApproval, Cancelling, or how it ended).</summary>
public sealed record RunEventData(Guid RunId, string State, DateTimeOffset At);

/// <summary>Turns journaled changes into the events' data.</summary>
public static class RunEventViews
{
    /// <summary>The event's data as the stream sends it.</summary>
    public static object Data(Guid runId, JournaledRunEvent change) => change.Type switch
    {
        RunEventTypes.Task => new TaskEventData(runId, change.Stage, change.Task ?? "", change.Attempt ?? 0, change.State ?? "", change.Reason, change.StartedAt, change.FinishedAt),
        RunEventTypes.Stage => new StageEventData(runId, change.Stage ?? "", change.Succeeded ?? false),
        _ => new RunEventData(runId, change.State ?? "", change.At),
    };
}
