using k8s.Models;

namespace MFlow.Execution.Kubernetes;

/// <summary>Everything the Kubernetes executor creates for one task attempt, in creation order after the Job.</summary>
/// <param name="Job">The Job.</param>
/// <param name="Secret">The task's Secret (update token, kubeconfig, sensitive values), if it has any data; owned by the Job.</param>
/// <param name="ConfigMap">The task's ConfigMap, if its kind asked for one; owned by the Job.</param>
public sealed record TaskManifests(V1Job Job, V1Secret? Secret, V1ConfigMap? ConfigMap);
