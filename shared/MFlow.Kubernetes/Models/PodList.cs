namespace MFlow.Kubernetes.Models;

/// <summary>A list of pods (<c>v1</c> <c>PodList</c>).</summary>
public sealed class PodList() : KubernetesList<Pod>("v1", "PodList");
