using System.Globalization;
using System.Text;

namespace MFlow.Kubernetes;

/// <summary>Builds a URL query string, skipping null values and escaping every value.</summary>
internal sealed class QueryBuilder
{
    private readonly StringBuilder _builder = new();

    public QueryBuilder Add(string name, string? value)
    {
        if (value is not null)
        {
            _builder.Append(_builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    public QueryBuilder Add(string name, long? value) =>
        Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => _builder.ToString();
}
