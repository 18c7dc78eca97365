namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// A stage's approval gate: the run waits before dispatching the stage until somebody allowed to
/// approves (or rejects) it, or its timeout decides.
/// </summary>
public sealed class ApprovalDocument
{
    /// <summary>The lowest role that may decide (viewer is not enough: deciding needs operator).</summary>
    public string? Role { get; set; }

    /// <summary>API keys (by name) that may decide, whatever their role above operator.</summary>
    public List<string>? Keys { get; set; }

    /// <summary>What the approvers are asked (shown by the API and in the waiting event).</summary>
    public string? Message { get; set; }

    /// <summary>How long the run waits for a decision (90s, 30m, 2h...); without it, until decided or cancelled.</summary>
    public string? Timeout { get; set; }

    /// <summary>What the timeout decides: reject (the default) or approve.</summary>
    public string? OnTimeout { get; set; }
}

/// <summary>A pipeline's concurrency group: at most <see cref="Limit"/> runs of the group run at once.</summary>
public sealed class ConcurrencyDocument
{
    /// <summary>The group's name; <c>$(params.NAME)</c> is filled in from the run's params.</summary>
    public string? Group { get; set; }

    /// <summary>How many runs of the group may run at once (default 1).</summary>
    public int? Limit { get; set; }

    /// <summary>queue (the default), cancel-in-progress or reject.</summary>
    public string? Policy { get; set; }
}
