using System.ComponentModel.DataAnnotations;

namespace MFlow.Execution.Kubernetes;

/// <summary>The Kubernetes executor's settings, bound from "MFlow:Kubernetes".</summary>
public sealed class KubernetesExecutorOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Kubernetes";

    /// <summary>A kubeconfig file; when unset, the service account of the pod the worker runs in (or $KUBECONFIG).</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context to use; default: its current context.</summary>
    public string? Context { get; set; }

    /// <summary>The namespace a task's Job goes to when the task names none; default: the connection's.</summary>
    public string? Namespace { get; set; }

    /// <summary>
    /// The namespaces this worker may run Jobs in and watches (one list+watch each). A task asking for
    /// another namespace fails before anything is created. Default: just <see cref="Namespace"/>.
    /// </summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>The MFlow API's URL as task pods reach it (MFlow:Worker:ApiUrl), given to them as _MFLOW_API_URL.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>How long a finished Job (and its pod, Secret, ConfigMap) stays for inspection.</summary>
    [Range(0, 31_536_000, ErrorMessage = "MFlow:Kubernetes:TtlSecondsAfterFinished must be between {1} and {2}.")]
    public int TtlSecondsAfterFinished { get; set; } = 3600;

    /// <summary>Client-side rate limit on API requests (queries per second; 0 disables it).</summary>
    [Range(0, 10_000, ErrorMessage = "MFlow:Kubernetes:QueriesPerSecond must be between {1} (no limit) and {2}.")]
    public double QueriesPerSecond { get; set; } = 50;

    /// <summary>Burst above the rate limit.</summary>
    [Range(1, 10_000, ErrorMessage = "MFlow:Kubernetes:Burst must be between {1} and {2}.")]
    public int Burst { get; set; } = 100;

    /// <summary>
    /// How many of this worker kind's Jobs may be unfinished at once, counted from the Kubernetes API
    /// over every namespace the worker manages (0: no cap). A command beyond it waits, it is not refused.
    /// </summary>
    [Range(0, 100_000, ErrorMessage = "MFlow:Kubernetes:MaxRunningJobs must be between {1} (no cap) and {2}.")]
    public int MaxRunningJobs { get; set; }

    /// <summary>
    /// How long a command waiting for a slot is held (unacknowledged) before it goes back to its
    /// queue's tail to wait again; keep it well below RabbitMQ's consumer_timeout (30 minutes by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:25:00", ErrorMessage = "MFlow:Kubernetes:MaxRunningJobsHold must be between {1} and {2}.")]
    public TimeSpan MaxRunningJobsHold { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Electing one tracking replica per job kind (for workers with several replicas).</summary>
    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>Images the built-in job kinds run.</summary>
    public JobImages Images { get; set; } = new();

    /// <summary>How long the tracker waits for a finished Job's pod status (for its exit code and outputs) before reading it directly.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "MFlow:Kubernetes:PodStatusGrace must be between {1} and {2}.")]
    public TimeSpan PodStatusGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the tracker holds a Pending or Running report before publishing it: a later state
    /// decided meanwhile supersedes it, so a task shorter than this reports only its outcome (one
    /// message instead of three). Terminal reports are never held.
    /// </summary>
    public TimeSpan ProgressReportDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a task's pod may wait in ImagePullBackOff, ErrImagePull or CreateContainerConfigError (a
    /// registry outage can pass), or still creating while a Secret or ConfigMap its volumes mount is
    /// missing (FailedMount), before its task fails with that reason and its Job is ended
    /// (MFlow:Kubernetes:ImagePullGrace).
    /// </summary>
    public TimeSpan ImagePullGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        LeaderElection.Problems().Select(problem => new ValidationResult(problem, [nameof(LeaderElection)]));
}

/// <summary>The images of the built-in job kinds; pin them by digest in production.</summary>
public sealed class JobImages
{
    /// <summary>Clones the source of a build.</summary>
    public string Git { get; set; } = "alpine/git:2.47.2";

    /// <summary>The kaniko executor.</summary>
    public string Kaniko { get; set; } = "gcr.io/kaniko-project/executor:v1.23.2";

    /// <summary>kubectl for deploys.</summary>
    public string Kubectl { get; set; } = "bitnami/kubectl:1.31.4";

    /// <summary>Ansible for VM roll-outs.</summary>
    public string Ansible { get; set; } = "alpine/ansible:2.18.1";
}
