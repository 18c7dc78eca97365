using System.Text.Json.Serialization;

namespace MFlow.Kubernetes.Models;

/// <summary>Base class of the list kinds (<c>JobList</c>, <c>PodList</c>, ...).</summary>
/// <typeparam name="T">The item type.</typeparam>
public abstract class KubernetesList<T> : IKubernetesList<T>
    where T : IKubernetesObject
{
    /// <summary>Creates a list of the given API version and kind.</summary>
    protected KubernetesList(string apiVersion, string kind)
    {
        ApiVersion = apiVersion;
        Kind = kind;
    }

    /// <summary>The API group and version.</summary>
    [JsonPropertyOrder(-3)]
    public string? ApiVersion { get; set; }

    /// <summary>The list kind.</summary>
    [JsonPropertyOrder(-2)]
    public string? Kind { get; set; }

    /// <inheritdoc />
    [JsonPropertyOrder(-1)]
    public ListMeta Metadata { get; set; } = new();

    /// <inheritdoc />
    public List<T> Items { get; set; } = [];
}
