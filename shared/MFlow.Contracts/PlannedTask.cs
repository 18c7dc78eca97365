namespace MFlow.Contracts;

/// <summary>A task of a run's plan.</summary>
public sealed record PlannedTask
{
    /// <summary>The task's id.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name, unique within the run.</summary>
    public string Name { get; init; } = "";

    /// <summary>The task's job kind.</summary>
    public JobKind Kind { get; init; }

    /// <summary>The job the task runs (definition unique name, or the kind for an inline task).</summary>
    public string JobName { get; init; } = "";

    /// <summary>Where the task's Job runs (so that cancelling it reaches the right cluster and namespace).</summary>
    public KubernetesTarget Target { get; init; } = new();

    /// <summary>True when the task's failure does not fail its stage (<c>allowFailure: true</c>): the run goes on, the failure is marked.</summary>
    public bool AllowFailure { get; init; }

    /// <summary>How many times a failed attempt is retried as a new attempt (0: never).</summary>
    public int Retries { get; init; }

    /// <summary>The wait before each retry; null: <see cref="RetryBackoff.Default"/>.</summary>
    public RetryBackoff? RetryBackoff { get; init; }
}
