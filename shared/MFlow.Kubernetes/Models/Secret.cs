namespace MFlow.Kubernetes.Models;

/// <summary>A <c>v1</c> Secret. Its string form (kind, namespace, name) never shows the data.</summary>
public sealed class Secret : KubernetesObject
{
    /// <summary>The API version of Secrets.</summary>
    public const string ApiVersionValue = "v1";

    /// <summary>The kind of Secrets.</summary>
    public const string KindValue = "Secret";

    /// <summary>Creates an empty Secret with <c>apiVersion</c> and <c>kind</c> set.</summary>
    public Secret()
        : base(ApiVersionValue, KindValue)
    {
    }

    /// <summary>The secret type, e.g. <c>Opaque</c> or <c>kubernetes.io/dockerconfigjson</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The data; base64 in JSON, raw bytes here.</summary>
    public Dictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only convenience: string values the server merges into <see cref="Data"/>.</summary>
    public Dictionary<string, string>? StringData { get; set; }

    /// <summary>Whether the data can no longer be changed.</summary>
    public bool? Immutable { get; set; }
}
