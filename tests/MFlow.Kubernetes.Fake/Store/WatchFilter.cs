namespace MFlow.Kubernetes.Fake.Store;

/// <summary>Which events a watch receives: resources, namespace (null: all), label and field selectors.</summary>
internal sealed record WatchFilter(IReadOnlySet<string> Resources, string? Namespace, LabelSelector Labels, FieldSelector Fields)
{
    public static WatchFilter For(string resource, string? @namespace, LabelSelector? labels = null, FieldSelector? fields = null) =>
        new(new HashSet<string>(StringComparer.Ordinal) { resource }, @namespace, labels ?? LabelSelector.Everything, fields ?? FieldSelector.Everything);

    public bool Matches(StoredEvent e) => Matches(e.Resource, e.Namespace, e.Labels, e.Fields);

    public bool Matches(string resource, string @namespace, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> fields) =>
        Resources.Contains(resource)
        && (Namespace is null || Namespace == @namespace)
        && Labels.Matches(labels)
        && Fields.Matches(fields);
}
