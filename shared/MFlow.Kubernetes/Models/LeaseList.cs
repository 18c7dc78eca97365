namespace MFlow.Kubernetes.Models;

/// <summary>A list of Leases.</summary>
public sealed class LeaseList() : KubernetesList<Lease>("coordination.k8s.io/v1", "LeaseList");
