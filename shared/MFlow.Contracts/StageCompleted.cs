namespace MFlow.Contracts;

/// <summary>
/// Every task of a stage reached a terminal state. When <see cref="Succeeded"/> the scheduler
/// dispatches the next stage; otherwise the run fails and nothing more is dispatched but the
/// pipeline's finally stages. Skipped tasks are left out of <see cref="Outputs"/>.
/// </summary>
public sealed record StageCompleted
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>Zero-based index of the stage.</summary>
    public int StageIndex { get; init; }

    /// <summary>The stage's name.</summary>
    public string StageName { get; init; } = "";

    /// <summary>True when no task of the stage failed (skipped tasks and failures a task was allowed do not count).</summary>
    public bool Succeeded { get; init; }

    /// <summary>When the stage's last task ended.</summary>
    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>The outputs of the stage's tasks, by task name then output name, for later stages to use.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Outputs { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();
}
