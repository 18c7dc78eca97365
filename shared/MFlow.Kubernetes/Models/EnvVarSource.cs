namespace MFlow.Kubernetes.Models;

/// <summary>The source of an environment variable's value; set exactly one member.</summary>
public sealed class EnvVarSource
{
    /// <summary>A key of a Secret.</summary>
    public SecretKeySelector? SecretKeyRef { get; set; }

    /// <summary>A key of a ConfigMap.</summary>
    public ConfigMapKeySelector? ConfigMapKeyRef { get; set; }

    /// <summary>A field of the pod, e.g. <c>metadata.name</c>.</summary>
    public ObjectFieldSelector? FieldRef { get; set; }
}
