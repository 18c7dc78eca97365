namespace MFlow.Kubernetes.Models;

/// <summary>Selects a field of the pod (downward API).</summary>
public sealed class ObjectFieldSelector
{
    /// <summary>The field path, e.g. <c>metadata.namespace</c>.</summary>
    public string? FieldPath { get; set; }

    /// <summary>The API version the path is written in; <c>v1</c> when null.</summary>
    public string? ApiVersion { get; set; }
}
