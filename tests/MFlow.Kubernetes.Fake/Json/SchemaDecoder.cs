using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// Decodes a body against its kind's Go types the way the apiserver's JSON decoder does, using the
/// official client's models (their <see cref="JsonPropertyNameAttribute"/> names are the API's field
/// names) as the schema: a field of the wrong JSON type or a malformed Time/MicroTime is a
/// <see cref="DecodeException"/> worded like Go's; an unknown field is removed from the body and its
/// path returned, for the caller to warn about or refuse (fieldValidation).
/// </summary>
internal static partial class SchemaDecoder
{
    /// <summary>apimachinery's metav1.RFC3339Micro, the layout of a MicroTime.</summary>
    public const string MicroTimeLayout = "2006-01-02T15:04:05.000000Z07:00";

    /// <summary>Go's time.RFC3339, the layout of a metav1.Time.</summary>
    public const string TimeLayout = "2006-01-02T15:04:05Z07:00";

    // MicroTime fields have no type of their own in the client's models (both are DateTime).
    private static readonly HashSet<(Type, string)> _microTimes =
    [
        (typeof(V1LeaseSpec), "acquireTime"),
        (typeof(V1LeaseSpec), "renewTime"),
    ];

    private static readonly ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> _fields = new();

    /// <summary>Checks <paramref name="obj"/> as a <paramref name="model"/>; returns the unknown fields' paths, which it removed.</summary>
    public static IReadOnlyList<string> Decode(JsonObject obj, Type model)
    {
        var unknown = new List<string>();
        DecodeObject(obj, model, "", "", unknown);
        return unknown;
    }

    /// <summary>A Warning header value for an unknown field, as the apiserver writes it.</summary>
    public static string Warning(string path) => $"299 - \"unknown field \\\"{path}\\\"\"";

    /// <summary>The message of a strict decoding error over the unknown fields.</summary>
    public static string StrictError(IEnumerable<string> paths) =>
        "strict decoding error: " + string.Join(", ", paths.Select(path => $"unknown field \"{path}\""));

    private static void DecodeObject(JsonObject obj, Type model, string path, string goPath, List<string> unknown)
    {
        var fields = Fields(model);
        foreach (var (name, value) in obj.ToList())
        {
            var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
            if (!fields.TryGetValue(name, out var property))
            {
                unknown.Add(fieldPath);
                obj.Remove(name);
                continue;
            }

            var fieldGoPath = goPath.Length == 0 ? name : $"{goPath}.{name}";
            DecodeValue(value, property.PropertyType, fieldPath, $"{GoName(model)}.{fieldGoPath}", fieldGoPath, unknown, _microTimes.Contains((model, name)));
        }
    }

    // path: the strict-error path (with list indices); field: Go's "Struct.field.path" for type errors;
    // goPath: the dotted path without indices, as Go's decoder tracks it.
    private static void DecodeValue(JsonNode? value, Type type, string path, string field, string goPath, List<string> unknown, bool microTime)
    {
        if (value is null)
        {
            return; // null decodes to Go's zero value
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        var kind = value.GetValueKind();
        if (type == typeof(object))
        {
            return; // free-form (fieldsV1, raw extensions)
        }

        if (type == typeof(string))
        {
            Expect(kind == JsonValueKind.String, value, field, "string");
        }
        else if (type == typeof(int) || type == typeof(long))
        {
            var integral = KubeJson.Integer(value) is { } number && (type == typeof(long) || number is >= int.MinValue and <= int.MaxValue);
            Expect(integral, value, field, type == typeof(int) ? "int32" : "int64");
        }
        else if (type == typeof(double))
        {
            Expect(kind == JsonValueKind.Number, value, field, "float64");
        }
        else if (type == typeof(bool))
        {
            Expect(kind is JsonValueKind.True or JsonValueKind.False, value, field, "bool");
        }
        else if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            if (kind != JsonValueKind.String)
            {
                throw DecodeException.WrongType(value, null, "string");
            }

            CheckTime(value.GetValue<string>(), microTime ? MicroTimeLayout : TimeLayout);
        }
        else if (type == typeof(byte[]))
        {
            Expect(kind == JsonValueKind.String, value, field, "[]uint8"); // base64 is checked by the Secret strategy
        }
        else if (type == typeof(IntOrString) || type == typeof(ResourceQuantity))
        {
            Expect(kind is JsonValueKind.String or JsonValueKind.Number, value, field, GoType(type));
        }
        else if (DictionaryValueType(type) is { } valueType)
        {
            Expect(kind == JsonValueKind.Object, value, field, GoType(type));
            foreach (var (key, item) in value.AsObject())
            {
                DecodeValue(item, valueType, $"{path}[{key}]", field, goPath, unknown, microTime: false);
            }
        }
        else if (ListItemType(type) is { } itemType)
        {
            Expect(kind == JsonValueKind.Array, value, field, GoType(type));
            var index = 0;
            foreach (var item in value.AsArray())
            {
                DecodeValue(item, itemType, $"{path}[{index++}]", field, goPath, unknown, microTime: false);
            }
        }
        else if (type.IsClass)
        {
            Expect(kind == JsonValueKind.Object, value, field, GoType(type));
            DecodeObject(value.AsObject(), type, path, goPath, unknown);
        }
    }

    private static void Expect(bool ok, JsonNode value, string field, string goType)
    {
        if (!ok)
        {
            throw DecodeException.WrongType(value, field, goType);
        }
    }

    /// <summary>
    /// Go's time.Parse of <paramref name="value"/> with <paramref name="layout"/> (RFC 3339 or its
    /// six-digit-fraction MicroTime form), failing with Go's message at the first element that does not match.
    /// </summary>
    public static void CheckTime(string value, string layout)
    {
        var micro = layout == MicroTimeLayout;
        var rest = value;
        string Fail(string element) =>
            throw new DecodeException($"parsing time {Quote(value)} as {Quote(layout)}: cannot parse {Quote(rest)} as {Quote(element)}");

        int Number(string element, int minDigits, int maxDigits)
        {
            var digits = 0;
            while (digits < maxDigits && digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits < minDigits)
            {
                Fail(element);
            }

            var number = int.Parse(rest.AsSpan(0, digits), System.Globalization.CultureInfo.InvariantCulture);
            rest = rest[digits..];
            return number;
        }

        void Literal(string literal)
        {
            if (!rest.StartsWith(literal, StringComparison.Ordinal))
            {
                Fail(literal);
            }

            rest = rest[literal.Length..];
        }

        var year = Number("2006", 4, 4);
        Literal("-");
        var month = Number("01", 2, 2);
        Literal("-");
        var day = Number("02", 2, 2);
        Literal("T");
        var hour = Number("15", 1, 2);
        Literal(":");
        var minute = Number("04", 2, 2);
        Literal(":");
        var second = Number("05", 2, 2);
        if (micro)
        {
            // ".000000" asks for exactly six digits.
            if (rest.Length < 7 || rest[0] != '.' || !rest[1..7].All(char.IsAsciiDigit))
            {
                Fail(".000000");
            }

            rest = rest[7..];
        }
        else if (rest.Length >= 2 && rest[0] is '.' or ',' && char.IsAsciiDigit(rest[1]))
        {
            // RFC 3339 without a fraction in the layout still accepts one of any length.
            rest = rest[1..];
            Number("0", 1, int.MaxValue);
        }

        if (rest.StartsWith('Z'))
        {
            rest = rest[1..];
        }
        else if (!ZoneOffset().IsMatch(rest))
        {
            Fail("Z07:00");
        }
        else
        {
            rest = rest[6..];
        }

        if (rest.Length > 0)
        {
            throw new DecodeException($"parsing time {Quote(value)}: extra text: {Quote(rest)}");
        }

        var outOfRange = month is < 1 or > 12 ? "month" : day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), Math.Clamp(month, 1, 12)) ? "day"
            : hour > 23 ? "hour" : minute > 59 ? "minute" : second > 59 ? "second" : null;
        if (outOfRange is not null)
        {
            throw new DecodeException($"parsing time {Quote(value)}: {outOfRange} out of range");
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value, KubeJson.Options);

    private static Dictionary<string, PropertyInfo> Fields(Type model) => _fields.GetOrAdd(model, static type =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(property => (property, name: property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(field => field.name is not null)
            .ToDictionary(field => field.name!, field => field.property, StringComparer.Ordinal));

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>))
            ? type.GetGenericArguments()[1]
            : null;

    private static Type? ListItemType(Type type) =>
        type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var item] ? item : null;

    // V1PodSpec → PodSpec, as Go names the struct.
    private static string GoName(Type model) => ApiVersionPrefix().Replace(model.Name, "");

    private static string GoType(Type type) =>
        type == typeof(string) ? "string"
        : type == typeof(int) ? "int32"
        : type == typeof(long) ? "int64"
        : type == typeof(bool) ? "bool"
        : type == typeof(double) ? "float64"
        : type == typeof(byte[]) ? "[]uint8"
        : type == typeof(IntOrString) ? "intstr.IntOrString"
        : type == typeof(ResourceQuantity) ? "resource.Quantity"
        : type == typeof(DateTime) || type == typeof(DateTimeOffset) ? "v1.Time"
        : Nullable.GetUnderlyingType(type) is { } underlying ? GoType(underlying)
        : DictionaryValueType(type) is { } value ? $"map[string]{GoType(value)}"
        : ListItemType(type) is { } item ? $"[]{GoType(item)}"
        : $"v1.{GoName(type)}";

    [GeneratedRegex(@"^[+-]\d{2}:\d{2}")]
    private static partial Regex ZoneOffset();

    [GeneratedRegex(@"^V\d+((alpha|beta)\d+)?")]
    private static partial Regex ApiVersionPrefix();
}
