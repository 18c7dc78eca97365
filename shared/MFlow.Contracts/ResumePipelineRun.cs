namespace MFlow.Contracts;

/// <summary>
/// Internal (API → aggregator): continue a Failed or Cancelled run in place. Its succeeded stages and
/// tasks stand; the tasks of the stage it stopped in that did not succeed run again as their next
/// attempt, then the later stages. A run in any other state is left as it is.
/// </summary>
public sealed record ResumePipelineRun
{
    /// <summary>The run to resume.</summary>
    public Guid RunId { get; init; }

    /// <summary>Who asked.</summary>
    public string? RequestedBy { get; init; }
}
