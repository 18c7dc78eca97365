namespace MFlow.Kubernetes.Models;

/// <summary>A list of jobs (<c>batch/v1</c> <c>JobList</c>).</summary>
public sealed class JobList() : KubernetesList<Job>("batch/v1", "JobList");
