namespace MFlow.Kubernetes.Fake.Store;

/// <summary>Which events a watch receives: resources, namespace (null: all), label and field selectors.</summary>
internal sealed record WatchFilter(IReadOnlySet<string> Resources, string? Namespace, LabelSelector Labels, FieldSelector Fields)
{
    public static WatchFilter For(string resource, string? @namespace, LabelSelector? labels = null, FieldSelector? fields = null) =>
        new(new HashSet<string>(StringComparer.Ordinal) { resource }, @namespace, labels ?? LabelSelector.Everything, fields ?? FieldSelector.Everything);

    public bool Matches(StoredEvent e) => Select(e) is not null;

    /// <summary>
    /// The event this watch receives for <paramref name="e"/>, or null. As the apiserver's cacheWatcher does,
    /// a modification that makes the object leave the selectors is sent as DELETED (of the previous content,
    /// at the write's resourceVersion), and one that makes it enter them as ADDED.
    /// </summary>
    public StoredEvent? Select(StoredEvent e)
    {
        if (!Resources.Contains(e.Resource) || (Namespace is not null && Namespace != e.Namespace))
        {
            return null;
        }

        var now = Labels.Matches(e.Labels) && Fields.Matches(e.Fields);
        if (e.Type != "MODIFIED" || e.Previous is not { } previous)
        {
            return now ? e : null;
        }

        var before = Labels.Matches(previous.Labels) && Fields.Matches(previous.Fields);
        return (before, now) switch
        {
            (true, true) => e,
            (false, true) => e with { Type = "ADDED", Previous = null },
            (true, false) => e with { Type = "DELETED", Labels = previous.Labels, Fields = previous.Fields, ObjectJson = previous.ObjectJson, Previous = null },
            _ => null,
        };
    }

    public bool Matches(string resource, string @namespace, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> fields) =>
        Resources.Contains(resource)
        && (Namespace is null || Namespace == @namespace)
        && Labels.Matches(labels)
        && Fields.Matches(fields);
}
