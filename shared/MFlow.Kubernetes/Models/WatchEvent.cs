namespace MFlow.Kubernetes.Models;

/// <summary>One event of a watch stream. ERROR events never reach callers: they become exceptions.</summary>
/// <typeparam name="T">The watched object type.</typeparam>
/// <param name="Type">What happened.</param>
/// <param name="Object">The object after the change (for deletes: its last state; for bookmarks: only the resource version).</param>
public sealed record WatchEvent<T>(WatchEventType Type, T Object)
    where T : IKubernetesObject;
