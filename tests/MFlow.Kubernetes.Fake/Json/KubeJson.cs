using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>Serialization settings and small helpers shared by the whole fake.</summary>
internal static class KubeJson
{
    /// <summary>
    /// Relaxed escaping keeps the apiserver's messages readable on the wire ('example.com' rather
    /// than \u0027example.com\u0027); clients decode either.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(JsonNode node) => node.ToJsonString(Options);

    public static byte[] SerializeToUtf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);

    public static JsonObject Clone(JsonObject value) => value.DeepClone().AsObject();

    public static JsonObject ParseObject(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>RFC 3339 with second precision, the format of every Kubernetes timestamp.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    public static JsonObject Metadata(JsonObject obj) => GetOrAddObject(obj, "metadata");

    public static JsonObject GetOrAddObject(JsonObject parent, string property)
    {
        if (parent[property] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[property] = created;
        return created;
    }

    public static JsonArray GetOrAddArray(JsonObject parent, string property)
    {
        if (parent[property] is JsonArray existing)
        {
            return existing;
        }

        var created = new JsonArray();
        parent[property] = created;
        return created;
    }

    /// <summary>Reads a string without throwing on other JSON types (they read as null).</summary>
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>Reads an integer without throwing on other JSON types (they read as null).</summary>
    public static long? Integer(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    public static bool? Boolean(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value.GetValue<bool>()
            : null;

    public static string? Name(JsonObject obj) => String(obj["metadata"]?["name"]);

    public static string? Namespace(JsonObject obj) => String(obj["metadata"]?["namespace"]);

    public static string? Uid(JsonObject obj) => String(obj["metadata"]?["uid"]);

    public static string? ResourceVersion(JsonObject obj) => String(obj["metadata"]?["resourceVersion"]);

    /// <summary>The object's labels; entries whose value is not a string are skipped.</summary>
    public static Dictionary<string, string> Labels(JsonObject obj) => StringMap(obj["metadata"]?["labels"]);

    public static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject entries)
        {
            foreach (var (key, value) in entries)
            {
                if (String(value) is { } text)
                {
                    map[key] = text;
                }
            }
        }

        return map;
    }

    /// <summary>Reads a dotted path such as "status.phase" as a string (numbers and booleans as text).</summary>
    public static string? PathValue(JsonObject obj, string dottedPath)
    {
        JsonNode? node = obj;
        foreach (var part in dottedPath.Split('.'))
        {
            node = node is JsonObject current ? current[part] : null;
        }

        return node switch
        {
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            JsonValue value => value.ToJsonString(),
            _ => null,
        };
    }
}
