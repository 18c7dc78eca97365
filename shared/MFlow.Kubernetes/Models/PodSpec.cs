namespace MFlow.Kubernetes.Models;

/// <summary>The description of a pod.</summary>
public sealed class PodSpec
{
    /// <summary>The containers; at least one.</summary>
    public List<Container> Containers { get; set; } = [];

    /// <summary>Containers run to completion, in order, before <see cref="Containers"/> start.</summary>
    public List<Container>? InitContainers { get; set; }

    /// <summary>Volumes the containers can mount.</summary>
    public List<Volume>? Volumes { get; set; }

    /// <summary><c>Always</c>, <c>OnFailure</c> or <c>Never</c>; Jobs accept only the last two.</summary>
    public string? RestartPolicy { get; set; }

    /// <summary>The service account the pod runs as.</summary>
    public string? ServiceAccountName { get; set; }

    /// <summary>Whether the service account token is mounted.</summary>
    public bool? AutomountServiceAccountToken { get; set; }

    /// <summary>Pod-level security settings.</summary>
    public PodSecurityContext? SecurityContext { get; set; }

    /// <summary>Node labels the pod must be scheduled onto.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the pod tolerates.</summary>
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Seconds the pod may be active before the kubelet kills it.</summary>
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>Whether service environment variables are injected (off keeps the environment clean).</summary>
    public bool? EnableServiceLinks { get; set; }

    /// <summary>The node the pod was scheduled to; set by the scheduler.</summary>
    public string? NodeName { get; set; }

    /// <summary>Seconds the pod gets to stop gracefully.</summary>
    public long? TerminationGracePeriodSeconds { get; set; }
}
