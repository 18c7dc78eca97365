namespace MFlow.Contracts;

/// <summary>
/// Ends a run that is not cancelled by a person: a run or stage timeout (<see cref="Outcome"/>
/// Failed, reason Timeout) or a rejected approval (Rejected). Like a cancellation, every task still
/// running is cancelled and the run ends once they have stopped; a run that already ended, or is
/// already being cancelled or stopped, is left as it is.
/// </summary>
public sealed record StopPipelineRun
{
    /// <summary>The run to stop.</summary>
    public Guid RunId { get; init; }

    /// <summary>The state the run ends in: Failed or Rejected.</summary>
    public string Outcome { get; init; } = "";

    /// <summary>The run's failure reason: Timeout, Rejected.</summary>
    public string Reason { get; init; } = "";

    /// <summary>What happened, for people.</summary>
    public string? Message { get; init; }

    /// <summary>Who decided (an approver; null for a timer).</summary>
    public string? RequestedBy { get; init; }

    /// <summary>
    /// A stage timer's stage: the run is stopped only while this stage has not completed (a timer
    /// that arrives late for a finished stage changes nothing). Null for the whole run's timer.
    /// </summary>
    public int? UnlessStageCompleted { get; init; }
}
