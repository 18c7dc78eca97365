namespace MFlow.Kubernetes.Models;

/// <summary>
/// A top-level Kubernetes object: it names its API group/version and kind and carries <see cref="ObjectMeta"/>.
/// </summary>
public interface IKubernetesObject
{
    /// <summary>The API group and version, e.g. <c>batch/v1</c> or <c>v1</c>.</summary>
    string? ApiVersion { get; set; }

    /// <summary>The object kind, e.g. <c>Job</c>.</summary>
    string? Kind { get; set; }

    /// <summary>Standard object metadata.</summary>
    ObjectMeta Metadata { get; set; }
}
