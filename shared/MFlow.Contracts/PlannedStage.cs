namespace MFlow.Contracts;

/// <summary>A stage of a run's plan: its tasks run in parallel; it starts when the previous stage succeeded.</summary>
public sealed record PlannedStage
{
    /// <summary>Zero-based position in the pipeline.</summary>
    public int Index { get; init; }

    /// <summary>The stage's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The stage's tasks.</summary>
    public IReadOnlyList<PlannedTask> Tasks { get; init; } = [];

    /// <summary>
    /// True for a stage of the pipeline's <c>finally</c> list: it runs once the main stages ended,
    /// succeeded or failed, and every finally stage runs whatever the one before it did.
    /// </summary>
    public bool Finally { get; init; }
}
