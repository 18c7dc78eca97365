namespace MFlow.Persistence.Runs;

/// <summary>A stage of a run.</summary>
public sealed class StageRecord
{
    /// <summary>Zero-based position.</summary>
    public int Index { get; set; }

    /// <summary>The stage's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The stage's tasks.</summary>
    public List<Guid> TaskIds { get; set; } = [];

    /// <summary>Set once every task of the stage ended and StageCompleted was published.</summary>
    public bool Completed { get; set; }

    /// <summary>Whether every task of the stage succeeded (meaningful once <see cref="Completed"/>).</summary>
    public bool Succeeded { get; set; }

    /// <summary>When the stage's last task ended.</summary>
    public DateTimeOffset? CompletedAt { get; set; }
}
