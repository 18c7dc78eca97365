namespace MFlow.Kubernetes.Models;

/// <summary>The template a controller creates pods from.</summary>
public sealed class PodTemplateSpec
{
    /// <summary>Metadata (labels, annotations) given to created pods.</summary>
    public ObjectMeta? Metadata { get; set; }

    /// <summary>The pod spec.</summary>
    public PodSpec Spec { get; set; } = new();
}
