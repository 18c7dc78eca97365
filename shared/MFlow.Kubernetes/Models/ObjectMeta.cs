namespace MFlow.Kubernetes.Models;

/// <summary>Standard metadata every persisted Kubernetes object has.</summary>
public sealed class ObjectMeta
{
    /// <summary>The object name, unique per kind within a namespace.</summary>
    public string? Name { get; set; }

    /// <summary>Prefix the server uses to generate a unique name when <see cref="Name"/> is empty.</summary>
    public string? GenerateName { get; set; }

    /// <summary>The namespace; empty for cluster-scoped objects.</summary>
    public string? Namespace { get; set; }

    /// <summary>Server-assigned unique id.</summary>
    public string? Uid { get; set; }

    /// <summary>Opaque version used for optimistic concurrency and as a watch position.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Sequence number of the desired state, incremented by the server on spec changes.</summary>
    public long? Generation { get; set; }

    /// <summary>Labels used for selection.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Non-identifying annotations.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Objects that own this one; the garbage collector deletes it when its owners go.</summary>
    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>When the server created the object.</summary>
    public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>Set when deletion was requested; the object disappears once finalizers are done.</summary>
    public DateTimeOffset? DeletionTimestamp { get; set; }
}
