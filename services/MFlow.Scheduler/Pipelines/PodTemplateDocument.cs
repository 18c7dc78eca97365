using System.Text.Json.Nodes;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// Where and how a task's pod runs, as a job definition or a pipeline task writes it (the task's
/// over the job's). Checked and turned into the <see cref="MFlow.Contracts.PodTemplate"/> a task
/// carries by <see cref="PodTemplates"/>.
/// </summary>
public sealed class PodTemplateDocument
{
    /// <summary>Node labels the pod's node must have.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the pod tolerates.</summary>
    public List<TolerationDocument>? Tolerations { get; set; }

    /// <summary>Kubernetes' own <c>Affinity</c> object (nodeAffinity, podAffinity, podAntiAffinity).</summary>
    public JsonObject? Affinity { get; set; }

    /// <summary>Names of Secrets with registry credentials.</summary>
    public List<string>? ImagePullSecrets { get; set; }

    /// <summary>The service account the pod runs as.</summary>
    public string? ServiceAccountName { get; set; }

    /// <summary>The main container's requests and limits.</summary>
    public ResourcesDocument? Resources { get; set; }

    /// <summary>The pod's priority class.</summary>
    public string? PriorityClassName { get; set; }

    /// <summary>Extra labels of the Job and its pod.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Extra annotations of the Job and its pod.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>How long the finished Job stays.</summary>
    public int? TtlSecondsAfterFinished { get; set; }
}

/// <summary>A toleration as written.</summary>
public sealed class TolerationDocument
{
    /// <summary>The taint key.</summary>
    public string? Key { get; set; }

    /// <summary>Equal or Exists.</summary>
    public string? Operator { get; set; }

    /// <summary>The taint value.</summary>
    public string? Value { get; set; }

    /// <summary>NoSchedule, PreferNoSchedule or NoExecute.</summary>
    public string? Effect { get; set; }

    /// <summary>For NoExecute: how long the pod stays after the taint appears.</summary>
    public long? TolerationSeconds { get; set; }
}

/// <summary>Requests and limits as written (<c>cpu: 500m</c>, <c>memory: 1Gi</c>).</summary>
public sealed class ResourcesDocument
{
    /// <summary>Requests.</summary>
    public Dictionary<string, string>? Requests { get; set; }

    /// <summary>Limits.</summary>
    public Dictionary<string, string>? Limits { get; set; }
}
