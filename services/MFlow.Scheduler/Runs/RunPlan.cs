using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Control;

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

    /// <summary>The stages, in order: the main ones, then the finally ones.</summary>
    public IReadOnlyList<PlanStage> Stages { get; init; } = [];

    /// <summary>The run's concurrency group, its params filled in; null when it has none.</summary>
    public PlanConcurrency? Concurrency { get; init; }

    /// <summary>How long the run may take from when it starts running; null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The index of the first finally stage; null when the pipeline has none.</summary>
    public int? FinallyStage { get; init; }
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

    /// <summary>The gate the run waits at before dispatching this stage; null: none.</summary>
    public PlanApproval? Approval { get; init; }

    /// <summary>How long the stage may take from its dispatch; null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The last plan stage the <see cref="Timeout"/> covers (a sequential stage is planned as several).</summary>
    public int? TimeoutThrough { get; init; }

    /// <summary>True for a stage of the pipeline's finally list.</summary>
    public bool Finally { get; init; }

    /// <summary>Conditions that must all hold for the stage to run (params filled in); else its tasks are Skipped.</summary>
    public IReadOnlyList<Pipelines.PlanCondition> When { get; init; } = [];
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

    /// <summary>
    /// Kubernetes backoffLimit: 0, since a retry is a new attempt (<see cref="Retries"/>). Plans stored
    /// before retries became attempts keep theirs.
    /// </summary>
    public int BackoffLimit { get; init; }

    /// <summary>How many times a failed attempt is retried as a new attempt.</summary>
    public int Retries { get; init; }

    /// <summary>The wait before each retry; null: the default.</summary>
    public RetryBackoff? RetryBackoff { get; init; }

    /// <summary>Deadline of an attempt.</summary>
    public int TimeoutSeconds { get; init; }

    /// <summary>Where its Job runs.</summary>
    public KubernetesTarget Target { get; init; } = new();

    /// <summary>Its pod's scheduling, identity, resources and metadata (the job's and the task's merged).</summary>
    public PodTemplate? PodTemplate { get; init; }

    /// <summary>Conditions that must all hold for the task to run (params filled in); else it is Skipped.</summary>
    public IReadOnlyList<Pipelines.PlanCondition> When { get; init; } = [];

    /// <summary>True when its failure does not fail its stage.</summary>
    public bool AllowFailure { get; init; }

    /// <summary>Exit codes that fail the task at once (its job's nonRetryableExitCodes).</summary>
    public IReadOnlyList<int> NonRetryableExitCodes { get; init; } = [];
}
