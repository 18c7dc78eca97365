namespace MFlow.Contracts;

/// <summary>
/// Request (answered with <see cref="TaskOutcomes"/>): which of these task attempts already have a
/// terminal outcome recorded? A restarted worker asks before reporting Jobs that finished while it
/// was down, so each outcome is reported once.
/// </summary>
public sealed record GetTaskOutcomes
{
    /// <summary>The task attempts in question.</summary>
    public IReadOnlyList<TaskAttemptRef> Tasks { get; init; } = [];
}

/// <summary>One attempt of one task.</summary>
public sealed record TaskAttemptRef
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The task.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The attempt.</summary>
    public int Attempt { get; init; }
}
