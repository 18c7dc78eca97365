using System.Text;

namespace MFlow.Kubernetes.Fake.Store;

/// <summary>A parsed <c>fieldSelector</c>: comma-separated field=value, field==value and field!=value terms.</summary>
internal sealed class FieldSelector
{
    private sealed record Term(string Field, string Value, bool Negated);

    private readonly IReadOnlyList<Term> _terms;

    private FieldSelector(IReadOnlyList<Term> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public IEnumerable<string> Fields => _terms.Select(term => term.Field);

    /// <summary>The name a metadata.name= term pins, which lets a watch of one object skip the others.</summary>
    public string? RequiredName => _terms.FirstOrDefault(term => term.Field == "metadata.name" && !term.Negated)?.Value;

    /// <summary>Parses a selector; throws <see cref="FormatException"/> when a term is malformed.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<Term>();
        foreach (var part in SplitUnescaped(text, ','))
        {
            var (field, value, negated) = SplitTerm(part);
            terms.Add(new Term(field.Trim(), Unescape(value), negated));
        }

        return new FieldSelector(terms);
    }

    public static FieldSelector ForName(string name) => new([new Term("metadata.name", name, false)]);

    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var term in _terms)
        {
            var value = fields.TryGetValue(term.Field, out var actual) ? actual : "";
            if ((value == term.Value) == term.Negated)
            {
                return false;
            }
        }

        return true;
    }

    private static (string Field, string Value, bool Negated) SplitTerm(string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\')
            {
                i++;
                continue;
            }

            if (term[i] == '!' && i + 1 < term.Length && term[i + 1] == '=')
            {
                return (term[..i], term[(i + 2)..], true);
            }

            if (term[i] == '=')
            {
                var skip = i + 1 < term.Length && term[i + 1] == '=' ? 2 : 1;
                return (term[..i], term[(i + skip)..], false);
            }
        }

        throw new FormatException($"invalid selector: '{term}'; can't understand '{term}'");
    }

    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static string Unescape(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }

            builder.Append(value[i]);
        }

        return builder.ToString();
    }
}
