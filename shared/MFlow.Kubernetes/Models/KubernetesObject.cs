using System.Text.Json.Serialization;

namespace MFlow.Kubernetes.Models;

/// <summary>
/// Base class of the top-level objects MFlow uses. Subclasses set <see cref="ApiVersion"/> and
/// <see cref="Kind"/> in their constructors so a freshly built object is ready to send.
/// </summary>
public abstract class KubernetesObject : IKubernetesObject
{
    /// <summary>Creates an object of the given API version and kind with empty metadata.</summary>
    protected KubernetesObject(string apiVersion, string kind)
    {
        ApiVersion = apiVersion;
        Kind = kind;
    }

    /// <inheritdoc />
    [JsonPropertyOrder(-3)]
    public string? ApiVersion { get; set; }

    /// <inheritdoc />
    [JsonPropertyOrder(-2)]
    public string? Kind { get; set; }

    /// <inheritdoc />
    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Returns <c>Kind namespace/name</c>, which is what log lines and messages need.</summary>
    public override string ToString() =>
        Metadata.Namespace is { Length: > 0 } ns ? $"{Kind} {ns}/{Metadata.Name}" : $"{Kind} {Metadata.Name}";
}
