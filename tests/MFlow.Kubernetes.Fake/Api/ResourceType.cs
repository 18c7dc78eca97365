using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Resources;

namespace MFlow.Kubernetes.Fake.Api;

/// <summary>What the fake knows about one served resource: its names, scope and strategy.</summary>
internal sealed class ResourceType
{
    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required string Kind { get; init; }

    /// <summary>The API group; "" for the core group.</summary>
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required IResourceStrategy Strategy { get; init; }

    /// <summary>The official client's model of the kind: the schema request bodies are decoded against.</summary>
    public required Type Model { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>The verbs discovery advertises.</summary>
    public IReadOnlyList<string> Verbs { get; init; } =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>Subresources discovery advertises (the log of a pod).</summary>
    public IReadOnlyList<string> Subresources { get; init; } = [];

    /// <summary>
    /// Field paths usable in fieldSelector besides metadata.name and metadata.namespace, as the
    /// apiserver registers them per resource.
    /// </summary>
    public IReadOnlyList<string> SelectableFields { get; init; } = [];

    /// <summary>
    /// Whether DELETE answers the deleted object rather than a Status (pods do; jobs, secrets and
    /// configmaps answer a Success Status).
    /// </summary>
    public bool ReturnDeletedObject { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"jobs.batch", or "pods" for the core group, as error messages name resources.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>"Job.batch", or "Secret" for the core group, as 422 messages name kinds.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public string ListKind => Kind + "List";

    /// <summary>The values fieldSelector can match, computed when an object is written.</summary>
    public Dictionary<string, string> Fields(JsonObject obj)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metadata.name"] = KubeJson.Name(obj) ?? "",
            ["metadata.namespace"] = KubeJson.Namespace(obj) ?? "",
        };
        foreach (var path in SelectableFields)
        {
            fields[path] = KubeJson.PathValue(obj, path) ?? "";
        }

        return fields;
    }

    public bool SupportsField(string path) =>
        path is "metadata.name" or "metadata.namespace" || SelectableFields.Contains(path, StringComparer.Ordinal);
}
