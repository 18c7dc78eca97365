namespace MFlow.Contracts;

/// <summary>
/// Stop a task: the worker of its kind deletes the task's Job (or kills its process) and reports
/// <see cref="TaskState.Cancelled"/>. Cancelling a task that already ended changes nothing.
/// </summary>
public sealed record CancelTask
{
    /// <summary>The pipeline run the task belongs to.</summary>
    public Guid RunId { get; init; }

    /// <summary>The task to cancel.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name (part of its Job's name).</summary>
    public string TaskName { get; init; } = "";

    /// <summary>The task's kind, which selects the worker.</summary>
    public JobKind Kind { get; init; }

    /// <summary>The attempt to cancel.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Where the task's Job runs.</summary>
    public KubernetesTarget Target { get; init; } = new();

    /// <summary>Why, for the task's message.</summary>
    public string Reason { get; init; } = "";
}
