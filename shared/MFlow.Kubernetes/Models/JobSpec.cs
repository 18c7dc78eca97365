namespace MFlow.Kubernetes.Models;

/// <summary>The desired behaviour of a Job.</summary>
public sealed class JobSpec
{
    /// <summary>Maximum number of pods running at once.</summary>
    public int? Parallelism { get; set; }

    /// <summary>Number of successful pods needed for the Job to succeed.</summary>
    public int? Completions { get; set; }

    /// <summary>Number of pod failures tolerated before the Job fails.</summary>
    public int? BackoffLimit { get; set; }

    /// <summary>Wall-clock limit in seconds after which the Job fails with reason <c>DeadlineExceeded</c>.</summary>
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>Seconds after finishing before the TTL controller deletes the Job.</summary>
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>Whether the Job is suspended (no pods are created while true).</summary>
    public bool? Suspend { get; set; }

    /// <summary>The pod template.</summary>
    public PodTemplateSpec Template { get; set; } = new();

    /// <summary>Optional rules that fail the Job or ignore a failure depending on how a pod failed.</summary>
    public PodFailurePolicy? PodFailurePolicy { get; set; }
}
