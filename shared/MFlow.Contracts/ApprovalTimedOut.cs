namespace MFlow.Contracts;

/// <summary>
/// An approval gate's timer, sent delayed by the scheduler to itself when the run starts waiting:
/// if the gate is still open its onTimeout decides; a gate already decided ignores it.
/// </summary>
public sealed record ApprovalTimedOut
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The stage whose gate timed out.</summary>
    public int StageIndex { get; init; }
}
