using MFlow.Contracts;
using MFlow.Scheduler.Definitions;

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

    /// <summary>The job it runs: a stored job's exact unique name (the version resolved when the run started), or its kind for an inline task.</summary>
    public string JobName { get; init; } = "";

    /// <summary>The stored job's id, when it runs one.</summary>
    public Guid? JobId { get; init; }

    /// <summary>
    /// Merged environment params: job defaults, pipeline, stage, task, run-time values. Values may
    /// hold $(tasks.NAME.outputs.OUTPUT), resolved at dispatch.
    /// </summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>Values for the job's template ($(params.NAME)), not environment variables.</summary>
    public IReadOnlyDictionary<string, string> TemplateParams { get; init; } = new Dictionary<string, string>();

    /// <summary>Sensitive values, encrypted with Data Protection: they are at rest in the plan only in this form.</summary>
    public IReadOnlyDictionary<string, string> SecretParams { get; init; } = new Dictionary<string, string>();

    /// <summary>An inline kubeconfig for the target cluster, encrypted like <see cref="SecretParams"/>.</summary>
    public string? ProtectedKubeconfig { get; init; }

    /// <summary>The stored job's template, filled in at dispatch; null for a built-in kind or an inline task.</summary>
    public JobTemplate? Template { get; init; }

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

    /// <summary>Its pod's scheduling, identity, resources and metadata (the job's and the task's merged).</summary>
    public PodTemplate? PodTemplate { get; init; }
}
