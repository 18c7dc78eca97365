using MFlow.Contracts;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// The snapshot a run starts with and never changes: every stage and task with its resolved params
/// and container specs. Stored as JSON with the run; the dispatcher builds each task's command from it.
/// </summary>
public sealed record RunPlan
{
    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>Normal or rollback.</summary>
    public RunMode Mode { get; init; }

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<PlanStage> Stages { get; init; } = [];
}

/// <summary>A stage of a plan.</summary>
public sealed record PlanStage
{
    /// <summary>Zero-based position.</summary>
    public int Index { get; init; }

    /// <summary>Its name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Its tasks, dispatched together.</summary>
    public IReadOnlyList<PlanTask> Tasks { get; init; } = [];
}

/// <summary>A task of a plan, fully resolved.</summary>
public sealed record PlanTask
{
    /// <summary>Deterministic from the run id and the task's name.</summary>
    public Guid TaskId { get; init; }

    /// <summary>Its name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Its kind.</summary>
    public JobKind Kind { get; init; }

    /// <summary>The job it runs (its kind for an inline task).</summary>
    public string JobName { get; init; } = "";

    /// <summary>Merged params: pipeline, then stage, then task, then run-time values.</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>The main container.</summary>
    public ContainerSpec? Container { get; init; }

    /// <summary>Containers run before the main one.</summary>
    public IReadOnlyList<ContainerSpec> InitContainers { get; init; } = [];

    /// <summary>Kubernetes backoffLimit.</summary>
    public int BackoffLimit { get; init; }

    /// <summary>Deadline of an attempt.</summary>
    public int TimeoutSeconds { get; init; }

    /// <summary>Where its Job runs.</summary>
    public KubernetesTarget Target { get; init; } = new();
}
