namespace MFlow.Contracts;

/// <summary>
/// Where and how a task's pod runs on Kubernetes, beyond its containers: scheduling, image pull
/// credentials, identity, resources and metadata, as a job definition and the task set them (the
/// task's values over the job's). Validated by the scheduler; the local executor ignores it.
/// </summary>
public sealed record PodTemplate
{
    /// <summary>Node labels the pod's node must have (Kubernetes <c>nodeSelector</c>).</summary>
    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    /// <summary>Taints the pod tolerates.</summary>
    public IReadOnlyList<PodToleration> Tolerations { get; init; } = [];

    /// <summary>The pod's affinity as Kubernetes' own <c>Affinity</c> object in JSON, or null.</summary>
    public string? AffinityJson { get; init; }

    /// <summary>Secrets (in the Job's namespace) holding registry credentials for pulling the images.</summary>
    public IReadOnlyList<string> ImagePullSecrets { get; init; } = [];

    /// <summary>The service account the pod runs as (its token is mounted then); default: the kind's, else none.</summary>
    public string? ServiceAccountName { get; init; }

    /// <summary>Requests and limits of the main container, replacing MFlow's defaults.</summary>
    public ContainerResources? Resources { get; init; }

    /// <summary>The pod's priority class.</summary>
    public string? PriorityClassName { get; init; }

    /// <summary>Extra labels of the Job and its pod (MFlow's own cannot be set).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra annotations of the Job and its pod (MFlow's own cannot be set).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the finished Job (and its pod, Secret, ConfigMap) stays; default: the worker's setting.</summary>
    public int? TtlSecondsAfterFinished { get; init; }
}
