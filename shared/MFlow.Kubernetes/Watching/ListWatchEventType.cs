namespace MFlow.Kubernetes.Watching;

/// <summary>What a <see cref="ListWatchEvent{T}"/> reports.</summary>
public enum ListWatchEventType
{
    /// <summary>
    /// A (re)list finished: <see cref="ListWatchEvent{T}.Items"/> is the complete current set.
    /// Reconcile against it: anything you track that is missing was deleted while unobserved.
    /// </summary>
    Synced,

    /// <summary>An object was created.</summary>
    Added,

    /// <summary>An object changed.</summary>
    Modified,

    /// <summary>An object was deleted; <see cref="ListWatchEvent{T}.Object"/> is its last state.</summary>
    Deleted,
}
