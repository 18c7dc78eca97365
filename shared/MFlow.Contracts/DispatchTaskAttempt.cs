namespace MFlow.Contracts;

/// <summary>
/// Internal (aggregator → scheduler): dispatch attempt <see cref="Attempt"/> of a task of a run, as a
/// retry of a failed attempt or on a resume. The scheduler dispatches each attempt once (its update
/// token is issued once); a duplicate changes nothing.
/// </summary>
public sealed record DispatchTaskAttempt
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The task.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The attempt to dispatch (2 or more).</summary>
    public int Attempt { get; init; }

    /// <summary>Why: "retry" or "resume".</summary>
    public string Cause { get; init; } = "";
}
