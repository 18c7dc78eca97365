namespace MFlow.Kubernetes.Models;

/// <summary>A list of config maps (<c>v1</c> <c>ConfigMapList</c>).</summary>
public sealed class ConfigMapList() : KubernetesList<ConfigMap>("v1", "ConfigMapList");
