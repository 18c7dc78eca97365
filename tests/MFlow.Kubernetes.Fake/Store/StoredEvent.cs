namespace MFlow.Kubernetes.Fake.Store;

/// <summary>
/// One write, frozen at the time it happened: the object is kept serialized, so that replaying and
/// fanning it out to many watches never touches a mutable node from another thread.
/// </summary>
internal sealed record StoredEvent(
    long Revision,
    string Type,
    string Resource,
    string Namespace,
    string Name,
    string Uid,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Fields,
    string ObjectJson,
    DateTimeOffset Timestamp)
{
    /// <summary>
    /// For a MODIFIED event that changed the object's labels or selectable fields: the object before, so a
    /// watch whose selector it leaves gets DELETED (and one it enters gets ADDED), as the apiserver's cacher sends.
    /// </summary>
    public PreviousState? Previous { get; init; }
}

/// <summary>An object's labels, selectable fields and serialized form before a write (resourceVersion already the write's).</summary>
internal sealed record PreviousState(IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Fields, string ObjectJson);
