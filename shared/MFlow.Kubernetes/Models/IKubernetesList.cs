namespace MFlow.Kubernetes.Models;

/// <summary>A list response: the items plus the resource version they were read at.</summary>
/// <typeparam name="T">The item type.</typeparam>
public interface IKubernetesList<T>
    where T : IKubernetesObject
{
    /// <summary>List metadata, including the resource version to watch from.</summary>
    ListMeta Metadata { get; }

    /// <summary>The items.</summary>
    List<T> Items { get; }
}
