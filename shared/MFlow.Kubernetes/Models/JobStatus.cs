namespace MFlow.Kubernetes.Models;

/// <summary>The observed state of a Job.</summary>
public sealed class JobStatus
{
    /// <summary>Number of pending or running pods.</summary>
    public int? Active { get; set; }

    /// <summary>Number of pods that succeeded.</summary>
    public int? Succeeded { get; set; }

    /// <summary>Number of pods that failed.</summary>
    public int? Failed { get; set; }

    /// <summary>Number of pods that are ready.</summary>
    public int? Ready { get; set; }

    /// <summary>When the job controller started processing the Job.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the Job completed successfully.</summary>
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>Conditions such as <c>Complete</c>, <c>Failed</c>, <c>SuccessCriteriaMet</c>, <c>FailureTarget</c>.</summary>
    public List<JobCondition>? Conditions { get; set; }
}
