namespace MFlow.Kubernetes.Models;

/// <summary>A list of secrets (<c>v1</c> <c>SecretList</c>).</summary>
public sealed class SecretList() : KubernetesList<Secret>("v1", "SecretList");
