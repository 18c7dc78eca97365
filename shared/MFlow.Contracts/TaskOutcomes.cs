namespace MFlow.Contracts;

/// <summary>The answer to <see cref="GetTaskOutcomes"/>.</summary>
public sealed record TaskOutcomes
{
    /// <summary>The attempts whose terminal outcome (or a later attempt's) is already recorded.</summary>
    public IReadOnlyList<TaskAttemptRef> Recorded { get; init; } = [];
}
