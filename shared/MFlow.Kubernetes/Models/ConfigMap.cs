namespace MFlow.Kubernetes.Models;

/// <summary>A <c>v1</c> ConfigMap.</summary>
public sealed class ConfigMap : KubernetesObject
{
    /// <summary>The API version of ConfigMaps.</summary>
    public const string ApiVersionValue = "v1";

    /// <summary>The kind of ConfigMaps.</summary>
    public const string KindValue = "ConfigMap";

    /// <summary>Creates an empty ConfigMap with <c>apiVersion</c> and <c>kind</c> set.</summary>
    public ConfigMap()
        : base(ApiVersionValue, KindValue)
    {
    }

    /// <summary>UTF-8 data.</summary>
    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Binary data; base64 in JSON.</summary>
    public Dictionary<string, byte[]>? BinaryData { get; set; }

    /// <summary>Whether the data can no longer be changed.</summary>
    public bool? Immutable { get; set; }
}
