namespace MFlow.Contracts;

/// <summary>
/// A finished task attempt's log, captured by its worker before the pod goes away, so MFlow can
/// serve it afterwards. Published just before the attempt's terminal <see cref="TaskUpdated"/>.
/// </summary>
public sealed record TaskLogCaptured
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The task.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name.</summary>
    public string TaskName { get; init; } = "";

    /// <summary>The attempt.</summary>
    public int Attempt { get; init; }

    /// <summary>The log; for a long log, its last lines (at most <see cref="MaxLength"/> characters).</summary>
    public string Log { get; init; } = "";

    /// <summary>True when the log was longer than what is kept.</summary>
    public bool Truncated { get; init; }

    /// <summary>The most log text one message carries.</summary>
    public const int MaxLength = 1024 * 1024;
}
