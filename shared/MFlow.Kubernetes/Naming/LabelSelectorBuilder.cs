namespace MFlow.Kubernetes.Naming;

/// <summary>
/// Builds a label selector string (<c>app=web,tier in (a,b),!legacy</c>) for list and watch
/// calls. The selector syntax has no escaping, so every key and value is validated against the
/// label rules instead: a value that could change the selector's meaning (a ',', '=', ' ' or
/// parenthesis) is rejected with <see cref="ArgumentException"/>. The client URL-encodes the
/// finished string.
/// </summary>
public sealed class LabelSelectorBuilder
{
    private readonly List<string> _requirements = [];

    /// <summary>Creates a builder requiring every label in <paramref name="labels"/> (equality), in key order.</summary>
    public static LabelSelectorBuilder FromLabels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var builder = new LabelSelectorBuilder();
        foreach (var (key, value) in labels.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            builder.Equal(key, value);
        }

        return builder;
    }

    /// <summary>Whether no requirement was added (an empty selector matches everything).</summary>
    public bool IsEmpty => _requirements.Count == 0;

    /// <summary>Requires label <paramref name="key"/> to equal <paramref name="value"/>.</summary>
    public LabelSelectorBuilder Equal(string key, string value) => Add($"{Key(key)}={Value(value)}");

    /// <summary>Requires label <paramref name="key"/> to be absent or differ from <paramref name="value"/>.</summary>
    public LabelSelectorBuilder NotEqual(string key, string value) => Add($"{Key(key)}!={Value(value)}");

    /// <summary>Requires label <paramref name="key"/> to have one of <paramref name="values"/>.</summary>
    public LabelSelectorBuilder In(string key, params IEnumerable<string> values) => Add($"{Key(key)} in ({Values(values)})");

    /// <summary>Requires label <paramref name="key"/> to be absent or have none of <paramref name="values"/>.</summary>
    public LabelSelectorBuilder NotIn(string key, params IEnumerable<string> values) => Add($"{Key(key)} notin ({Values(values)})");

    /// <summary>Requires label <paramref name="key"/> to be present, with any value.</summary>
    public LabelSelectorBuilder Exists(string key) => Add(Key(key));

    /// <summary>Requires label <paramref name="key"/> to be absent.</summary>
    public LabelSelectorBuilder DoesNotExist(string key) => Add($"!{Key(key)}");

    /// <summary>Returns the selector string; empty when there is no requirement.</summary>
    public string Build() => string.Join(',', _requirements);

    /// <inheritdoc cref="Build"/>
    public override string ToString() => Build();

    private LabelSelectorBuilder Add(string requirement)
    {
        _requirements.Add(requirement);
        return this;
    }

    private static string Key(string key) =>
        KubernetesNames.IsLabelKey(key)
            ? key
            : throw new ArgumentException($"'{key}' is not a valid label key (optional DNS subdomain prefix and '/', then 1-63 of [-A-Za-z0-9_.] starting and ending alphanumeric).", nameof(key));

    private static string Value(string value) =>
        KubernetesNames.IsLabelValue(value)
            ? value
            : throw new ArgumentException($"'{value}' is not a valid label value (empty, or 1-63 of [-A-Za-z0-9_.] starting and ending alphanumeric).", nameof(value));

    private static string Values(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);

        // Sorted and de-duplicated so the same set always yields the same string (stable cache keys, readable logs).
        var list = values.Select(Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return list.Count > 0
            ? string.Join(',', list)
            : throw new ArgumentException("A set-based requirement needs at least one value.", nameof(values));
    }
}
