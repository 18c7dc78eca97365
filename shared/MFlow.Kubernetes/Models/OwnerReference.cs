namespace MFlow.Kubernetes.Models;

/// <summary>Points from a dependent object to its owner for garbage collection.</summary>
public sealed class OwnerReference
{
    /// <summary>API version of the owner.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>Kind of the owner.</summary>
    public string? Kind { get; set; }

    /// <summary>Name of the owner.</summary>
    public string? Name { get; set; }

    /// <summary>UID of the owner.</summary>
    public string? Uid { get; set; }

    /// <summary>Whether the owner is the managing controller.</summary>
    public bool? Controller { get; set; }

    /// <summary>Whether the owner cannot be deleted (foreground) before this dependent is.</summary>
    public bool? BlockOwnerDeletion { get; set; }
}
