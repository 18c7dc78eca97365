namespace MFlow.Kubernetes.Fake;

/// <summary>One write to the store, as a watch would report it.</summary>
/// <param name="Timestamp">When the write happened.</param>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="Resource">The resource (e.g. "jobs").</param>
/// <param name="Namespace">The object's namespace.</param>
/// <param name="Name">The object's name.</param>
/// <param name="ResourceVersion">The resourceVersion the write produced.</param>
public sealed record ResourceEvent(
    DateTimeOffset Timestamp,
    string Type,
    string Resource,
    string Namespace,
    string Name,
    string ResourceVersion);
