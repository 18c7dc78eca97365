using System.Globalization;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Store;

/// <summary>
/// The fake's etcd: objects kept untyped, one global revision bumped by every write, the event history
/// watches replay from, and the fan-out to open watches. One lock guards it all, so a write, its event
/// and its delivery are atomic, and a watch can start "after revision N" without missing or repeating one.
/// </summary>
internal sealed class ObjectStore(ResourceRegistry registry, int historyLimit)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> _objects = [];
    private readonly Dictionary<string, (string Resource, string Namespace, string Name)> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(string Resource, string Namespace, string Name)>> _dependents = new(StringComparer.Ordinal);
    private readonly List<StoredEvent> _history = [];
    private readonly List<ResourceEvent> _events = [];
    private readonly List<WatchSubscription> _subscriptions = [];
    private static readonly Dictionary<string, string> _noStrings = [];
    private readonly int _historyLimit = Math.Max(1, historyLimit);
    private readonly List<(long Revision, TaskCompletionSource Reached)> _revisionWaiters = [];
    private long _revision;

    // Watches may start from this revision or later; older ones were compacted away (410 Gone).
    private long _compactedRevision;

    public long CurrentRevision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    public IReadOnlyList<ResourceEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>
    /// Waits until the store's revision reaches <paramref name="revision"/>, at most <paramref name="timeout"/>,
    /// as the apiserver's watch cache waits for a resourceVersion it has not seen yet; false when it did not.
    /// </summary>
    public async Task<bool> WaitForRevisionAsync(long revision, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource reached;
        lock (_gate)
        {
            if (_revision >= revision)
            {
                return true;
            }

            reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _revisionWaiters.Add((revision, reached));
        }

        try
        {
            await reached.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _revisionWaiters.RemoveAll(waiter => waiter.Reached == reached);
            }
        }
    }

    public void ResetEvents()
    {
        lock (_gate)
        {
            _events.Clear();
        }
    }

    public JsonObject? Get(ResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((type.Plural, @namespace, name), out var obj) ? KubeJson.Clone(obj) : null;
        }
    }

    public bool ExistsUid(string uid)
    {
        lock (_gate)
        {
            return _byUid.ContainsKey(uid);
        }
    }

    /// <summary>The matching objects in key order (namespace, then name), and the revision they are current at.</summary>
    public (IReadOnlyList<JsonObject> Items, long Revision) List(ResourceType type, string? @namespace, LabelSelector labels, FieldSelector fields)
    {
        var filter = WatchFilter.For(type.Plural, @namespace, labels, fields);
        lock (_gate)
        {
            var items = _objects
                .Where(entry => entry.Key.Resource == type.Plural && (@namespace is null || entry.Key.Namespace == @namespace))
                .Where(entry => filter.Matches(type.Plural, entry.Key.Namespace, KubeJson.Labels(entry.Value), type.Fields(entry.Value)))
                .OrderBy(entry => entry.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(entry => entry.Key.Name, StringComparer.Ordinal)
                .Select(entry => KubeJson.Clone(entry.Value))
                .ToList();
            return (items, _revision);
        }
    }

    /// <summary>Objects of any resource with an ownerReference to <paramref name="ownerUid"/>.</summary>
    public IReadOnlyList<(ResourceType Type, string Namespace, string Name)> FindDependents(string ownerUid)
    {
        lock (_gate)
        {
            return _dependents.TryGetValue(ownerUid, out var keys)
                ? keys.Select(key => (registry.ByPlural(key.Resource), key.Namespace, key.Name)).ToList()
                : [];
        }
    }

    /// <summary>Stores a prepared, validated object; fails with AlreadyExists when the name is taken.</summary>
    public JsonObject Create(ResourceType type, JsonObject obj)
    {
        var stored = KubeJson.Clone(obj);
        var key = Key(type, stored);
        lock (_gate)
        {
            if (_objects.ContainsKey(key))
            {
                throw ApiErrors.AlreadyExists(type, key.Name);
            }

            Stamp(stored, ++_revision);
            _objects[key] = stored;
            IndexOwners(key, stored, add: true);
            if (KubeJson.Uid(stored) is { } uid)
            {
                _byUid[uid] = key;
            }

            Publish("ADDED", type, stored);
            return KubeJson.Clone(stored);
        }
    }

    /// <summary>
    /// Atomically replaces an object with what <paramref name="mutate"/> makes of a copy of it (null: leave
    /// it). A write that changes nothing keeps the revision, as the apiserver skips no-op updates; one that
    /// removes the last finalizer of an object being deleted completes the deletion.
    /// </summary>
    public JsonObject Update(ResourceType type, string @namespace, string name, Func<JsonObject, JsonObject?> mutate)
    {
        var key = (type.Plural, @namespace, name);
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var current))
            {
                throw ApiErrors.NotFound(type, name);
            }

            var updated = mutate(KubeJson.Clone(current));
            if (updated is null)
            {
                return KubeJson.Clone(current);
            }

            KubeJson.Metadata(updated)["resourceVersion"] = KubeJson.ResourceVersion(current);
            if (JsonNode.DeepEquals(updated, current))
            {
                return KubeJson.Clone(current);
            }

            Stamp(updated, ++_revision);
            if (updated["metadata"]?["deletionTimestamp"] is not null && updated["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
            {
                Remove(type, key, updated);
                return KubeJson.Clone(updated);
            }

            IndexOwners(key, current, add: false);
            _objects[key] = updated;
            IndexOwners(key, updated, add: true);
            Publish("MODIFIED", type, updated, current);
            return KubeJson.Clone(updated);
        }
    }

    /// <summary>
    /// Deletes an object, or, when it has finalizers (or <paramref name="addFinalizer"/> gives one), marks it
    /// with a deletionTimestamp and leaves it until they are removed.
    /// </summary>
    /// <param name="type">The resource.</param>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="precondition">Checks the current object (uid / resourceVersion preconditions); throws to refuse.</param>
    /// <param name="addFinalizer">A finalizer to add first, such as foregroundDeletion.</param>
    public (JsonObject Object, bool Deleted) Delete(ResourceType type, string @namespace, string name, Action<JsonObject>? precondition = null, string? addFinalizer = null)
    {
        var key = (type.Plural, @namespace, name);
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var current))
            {
                throw ApiErrors.NotFound(type, name);
            }

            precondition?.Invoke(current);
            var metadata = KubeJson.Metadata(current);
            if (addFinalizer is not null || metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                var updated = KubeJson.Clone(current);
                var updatedMetadata = KubeJson.Metadata(updated);
                var finalizers = KubeJson.GetOrAddArray(updatedMetadata, "finalizers");
                if (addFinalizer is not null && !finalizers.Any(existing => KubeJson.String(existing) == addFinalizer))
                {
                    finalizers.Add(addFinalizer);
                }

                updatedMetadata["deletionTimestamp"] ??= KubeJson.Timestamp(DateTimeOffset.UtcNow);
                updatedMetadata["deletionGracePeriodSeconds"] ??= 0;
                if (JsonNode.DeepEquals(updated, current))
                {
                    return (KubeJson.Clone(current), false);
                }

                Stamp(updated, ++_revision);
                _objects[key] = updated;
                Publish("MODIFIED", type, updated, current);
                return (KubeJson.Clone(updated), false);
            }

            var deleted = KubeJson.Clone(current);
            Stamp(deleted, ++_revision);
            Remove(type, key, deleted);
            return (KubeJson.Clone(deleted), true);
        }
    }

    /// <summary>
    /// Opens a watch. With <paramref name="includeInitial"/> it starts with a synthetic ADDED per current
    /// object; otherwise with <paramref name="fromRevision"/> it replays every later event first (410 Gone when
    /// that revision was compacted); with neither it sees only what happens next.
    /// </summary>
    public WatchSubscription Subscribe(WatchFilter filter, long? fromRevision, bool includeInitial, bool isInternal)
    {
        lock (_gate)
        {
            var replay = new List<StoredEvent>();
            if (includeInitial)
            {
                // Filter before serializing (and look a named object up directly): a wait on one object
                // must not cost a pass over the whole store.
                var name = filter.Fields.RequiredName;
                var candidates = name is not null && filter.Namespace is not null
                    ? filter.Resources
                        .Select(resource => (Key: (resource, filter.Namespace, name), Found: _objects.TryGetValue((resource, filter.Namespace, name), out var obj), Value: obj))
                        .Where(candidate => candidate.Found)
                        .Select(candidate => new KeyValuePair<(string Resource, string Namespace, string Name), JsonObject>(candidate.Key, candidate.Value!))
                    : _objects;
                replay.AddRange(candidates
                    .Where(entry => filter.Resources.Contains(entry.Key.Resource)
                        && (filter.Namespace is null || filter.Namespace == entry.Key.Namespace)
                        && (name is null || name == entry.Key.Name))
                    .Where(entry => filter.Matches(entry.Key.Resource, entry.Key.Namespace, KubeJson.Labels(entry.Value), registry.ByPlural(entry.Key.Resource).Fields(entry.Value)))
                    .OrderBy(entry => entry.Key.Namespace, StringComparer.Ordinal)
                    .ThenBy(entry => entry.Key.Name, StringComparer.Ordinal)
                    .Select(entry => MakeEvent("ADDED", registry.ByPlural(entry.Key.Resource), entry.Value, ParseRevision(entry.Value))));
            }
            else if (fromRevision is { } from)
            {
                if (from < _compactedRevision)
                {
                    throw ApiErrors.Expired(from, _compactedRevision);
                }

                replay.AddRange(_history.Skip(FirstIndexAfter(from)).Select(filter.Select).OfType<StoredEvent>());
            }

            var subscription = new WatchSubscription(filter, isInternal, _revision, replay.Count, Unsubscribe);
            foreach (var e in replay)
            {
                subscription.Deliver(e);
            }

            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>
    /// Queues a BOOKMARK at the current revision. Taken under the lock, so every event up to that revision
    /// is already ahead of it in the watch's queue.
    /// </summary>
    public void PostBookmark(WatchSubscription subscription)
    {
        lock (_gate)
        {
            subscription.Deliver(new StoredEvent(_revision, "BOOKMARK", "", "", "", "", _noStrings, _noStrings, "", DateTimeOffset.UtcNow));
        }
    }

    /// <summary>The oldest revision a watch or list may still ask for.</summary>
    public long CompactedRevision
    {
        get
        {
            lock (_gate)
            {
                return _compactedRevision;
            }
        }
    }

    /// <summary>Forgets the history: every revision older than the current one becomes too old.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRevision = _revision;
        }
    }

    /// <summary>Cuts every client watch, as a dropped connection would; the fake's own subscriptions stay.</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var subscription in _subscriptions.Where(subscription => !subscription.IsInternal).ToList())
            {
                subscription.Drop();
                _subscriptions.Remove(subscription);
            }
        }
    }

    private void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private void Remove(ResourceType type, (string Resource, string Namespace, string Name) key, JsonObject deleted)
    {
        if (_objects.Remove(key, out var stored))
        {
            IndexOwners(key, stored, add: false);
        }

        if (KubeJson.Uid(deleted) is { } uid)
        {
            _byUid.Remove(uid);
        }

        Publish("DELETED", type, deleted);
    }

    /// <summary>Keeps ownerReference uid → dependents, so the garbage collector never scans the whole store.</summary>
    private void IndexOwners((string Resource, string Namespace, string Name) key, JsonObject obj, bool add)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray owners)
        {
            return;
        }

        foreach (var uid in owners.Select(owner => KubeJson.String(owner?["uid"])).OfType<string>())
        {
            if (add)
            {
                if (!_dependents.TryGetValue(uid, out var keys))
                {
                    keys = [];
                    _dependents[uid] = keys;
                }

                keys.Add(key);
            }
            else if (_dependents.TryGetValue(uid, out var keys) && keys.Remove(key) && keys.Count == 0)
            {
                _dependents.Remove(uid);
            }
        }
    }

    private void Publish(string eventType, ResourceType type, JsonObject obj, JsonObject? previous = null)
    {
        var e = MakeEvent(eventType, type, obj, _revision);
        if (previous is not null)
        {
            // Only a write that changes labels or selectable fields can move the object across a selector;
            // the previous content is serialized for those alone.
            var labels = KubeJson.Labels(previous);
            var fields = type.Fields(previous);
            if (!SameEntries(labels, e.Labels) || !SameEntries(fields, e.Fields))
            {
                var before = KubeJson.Clone(previous);
                Stamp(before, _revision);
                e = e with { Previous = new PreviousState(labels, fields, KubeJson.Serialize(before)) };
            }
        }

        _history.Add(e);
        if (_history.Count > _historyLimit)
        {
            // Trim in batches so that a long benchmark does not pay for a shift on every write.
            var drop = Math.Max(1, _historyLimit / 10);
            _compactedRevision = _history[drop - 1].Revision;
            _history.RemoveRange(0, drop);
        }

        _events.Add(new ResourceEvent(e.Timestamp, eventType, type.Plural, e.Namespace, e.Name, e.Revision.ToString(CultureInfo.InvariantCulture)));
        foreach (var (revision, reached) in _revisionWaiters)
        {
            if (revision <= _revision)
            {
                reached.TrySetResult();
            }
        }

        foreach (var subscription in _subscriptions)
        {
            if (subscription.Filter.Select(e) is { } selected)
            {
                subscription.Deliver(selected);
            }
        }
    }

    private static bool SameEntries(IReadOnlyDictionary<string, string> left, IReadOnlyDictionary<string, string> right) =>
        left.Count == right.Count && left.All(entry => right.TryGetValue(entry.Key, out var value) && value == entry.Value);

    private static StoredEvent MakeEvent(string eventType, ResourceType type, JsonObject obj, long revision) =>
        new(
            revision,
            eventType,
            type.Plural,
            KubeJson.Namespace(obj) ?? "",
            KubeJson.Name(obj) ?? "",
            KubeJson.Uid(obj) ?? "",
            KubeJson.Labels(obj),
            type.Fields(obj),
            KubeJson.Serialize(obj),
            DateTimeOffset.UtcNow);

    private int FirstIndexAfter(long revision)
    {
        int low = 0, high = _history.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_history[middle].Revision <= revision)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static long ParseRevision(JsonObject obj) =>
        long.TryParse(KubeJson.ResourceVersion(obj), CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    private static void Stamp(JsonObject obj, long revision) =>
        KubeJson.Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);

    private static (string Resource, string Namespace, string Name) Key(ResourceType type, JsonObject obj) =>
        (type.Plural, KubeJson.Namespace(obj) ?? "", KubeJson.Name(obj) ?? "");
}
