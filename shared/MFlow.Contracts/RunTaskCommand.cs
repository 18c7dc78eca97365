namespace MFlow.Contracts;

/// <summary>
/// The shape every run-task command shares. The scheduler publishes one concrete command per job
/// kind (<see cref="RunBuildTask"/>, <see cref="RunDeployTask"/>, <see cref="RunVmTask"/>); each
/// worker consumes only its own, from its own queue. Delivery is at least once: a worker must treat
/// the same (<see cref="TaskId"/>, <see cref="Attempt"/>) twice as one task.
/// </summary>
public abstract record RunTaskCommand
{
    /// <summary>The pipeline run the task belongs to.</summary>
    public Guid RunId { get; init; }

    /// <summary>The task; stable across attempts.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name within its pipeline (unique in the run).</summary>
    public string TaskName { get; init; } = "";

    /// <summary>Zero-based index of the task's stage.</summary>
    public int StageIndex { get; init; }

    /// <summary>The attempt being run, from 1; a retried task runs again with the next attempt.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The job kind; always matches the concrete command type.</summary>
    public abstract JobKind Kind { get; }

    /// <summary>The job this task runs: a job definition's unique name, or the kind for an inline task.</summary>
    public string JobName { get; init; } = "";

    /// <summary>Whether this is a normal or a rollback run.</summary>
    public RunMode Mode { get; init; } = RunMode.Normal;

    /// <summary>The task's resolved, non-secret params (name to value), after every merge.</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Secret material for the task (the update token, an inline kubeconfig, sensitive params),
    /// keyed by <see cref="SecretKeys"/> or param name. Workers deliver it only through a
    /// Kubernetes Secret (or the local process environment) and never log it.
    /// </summary>
    public IReadOnlyDictionary<string, string> SecretValues { get; init; } = new Dictionary<string, string>();

    /// <summary>The main container, when the task gives it explicitly.</summary>
    public ContainerSpec? Container { get; init; }

    /// <summary>Containers run to completion, in order, before the main one.</summary>
    public IReadOnlyList<ContainerSpec> InitContainers { get; init; } = [];

    /// <summary>How many times the Job retries a failed pod before the attempt fails (Kubernetes backoffLimit).</summary>
    public int BackoffLimit { get; init; }

    /// <summary>
    /// Exit codes of the main container that no retry can cure (the job definition's
    /// <c>nonRetryableExitCodes</c>, 1 to 255): the Kubernetes executor fails the Job at once on them
    /// (a podFailurePolicy <c>FailJob</c> rule), with reason <see cref="TaskFailureReasons.NonRetryableExitCode"/>.
    /// </summary>
    public IReadOnlyList<int> NonRetryableExitCodes { get; init; } = [];

    /// <summary>Deadline for the whole attempt, in seconds (Kubernetes activeDeadlineSeconds).</summary>
    public int TimeoutSeconds { get; init; } = 3600;

    /// <summary>Where the task's Job runs.</summary>
    public KubernetesTarget Target { get; init; } = new();

    /// <summary>Scheduling, identity, resources and metadata of the task's pod; null for MFlow's defaults.</summary>
    public PodTemplate? PodTemplate { get; init; }

    /// <summary>When the scheduler dispatched this attempt.</summary>
    public DateTimeOffset DispatchedAt { get; init; }
}
