namespace MFlow.Contracts;

/// <summary>
/// Cancel a run: no further stage is dispatched, every task still running is cancelled, and the
/// run ends <see cref="PipelineRunCancelled"/> once they have stopped. A run that already ended is
/// left as it is.
/// </summary>
public sealed record CancelPipelineRun
{
    /// <summary>The run to cancel.</summary>
    public Guid RunId { get; init; }

    /// <summary>Why.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Who asked.</summary>
    public string? RequestedBy { get; init; }
}
