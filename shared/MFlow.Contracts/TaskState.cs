using System.Text.Json.Serialization;

namespace MFlow.Contracts;

/// <summary>Where a task is in its life. Succeeded, Failed, Cancelled and Skipped are terminal (see <see cref="TaskStates"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    /// <summary>Accepted by a worker (its Job or process exists) but not running yet.</summary>
    Pending,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Finished with exit code 0.</summary>
    Succeeded,

    /// <summary>Finished unsuccessfully: a non-zero exit code, a retry budget or deadline exhausted, or a worker error.</summary>
    Failed,

    /// <summary>Stopped because somebody cancelled it.</summary>
    Cancelled,

    /// <summary>
    /// Never ran: its (or its stage's) <c>when</c> conditions did not hold, or an output it needs
    /// belongs to a skipped task. Ended, and not a failure: its stage can still succeed.
    /// </summary>
    Skipped,
}

/// <summary>What every consumer of <see cref="TaskState"/> asks of one, in one place.</summary>
public static class TaskStates
{
    /// <summary>True for a state a task attempt never leaves.</summary>
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled or TaskState.Skipped;

    /// <summary>True for an ended state that counts against its stage (Failed or Cancelled; Skipped does not).</summary>
    public static bool IsUnsuccessful(this TaskState state) => state is TaskState.Failed or TaskState.Cancelled;
}
