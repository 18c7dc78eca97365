namespace MFlow.Kubernetes.Models;

/// <summary>A <c>batch/v1</c> Job: runs pods until a number of them succeed.</summary>
public sealed class Job : KubernetesObject
{
    /// <summary>The API version of Jobs.</summary>
    public const string ApiVersionValue = "batch/v1";

    /// <summary>The kind of Jobs.</summary>
    public const string KindValue = "Job";

    /// <summary>Creates an empty Job with <c>apiVersion</c> and <c>kind</c> set.</summary>
    public Job()
        : base(ApiVersionValue, KindValue)
    {
    }

    /// <summary>Creates a Job with the given metadata and spec.</summary>
    public Job(ObjectMeta metadata, JobSpec spec)
        : this()
    {
        Metadata = metadata;
        Spec = spec;
    }

    /// <summary>The desired behaviour.</summary>
    public JobSpec? Spec { get; set; }

    /// <summary>The observed state, written by the job controller.</summary>
    public JobStatus? Status { get; set; }
}
