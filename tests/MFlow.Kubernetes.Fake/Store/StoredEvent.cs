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
    DateTimeOffset Timestamp);
