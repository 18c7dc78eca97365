using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// Reads fields of an untyped object the way Go's decoder would: an absent or null field is null, a
/// field of the wrong JSON type is a <see cref="DecodeException"/>.
/// </summary>
internal static class TypedReader
{
    public static JsonObject? Object(JsonObject? parent, string property, string path)
    {
        var node = parent?[property];
        return node switch
        {
            null => null,
            JsonObject obj => obj,
            _ => throw DecodeException.WrongType(node, path, "object"),
        };
    }

    public static JsonArray? Array(JsonObject? parent, string property, string path)
    {
        var node = parent?[property];
        return node switch
        {
            null => null,
            JsonArray array => array,
            _ => throw DecodeException.WrongType(node, path, "array"),
        };
    }

    /// <summary>The array's items as objects (null items are skipped, as Go would zero them).</summary>
    public static IReadOnlyList<JsonObject> Objects(JsonObject? parent, string property, string path)
    {
        var array = Array(parent, property, path);
        if (array is null)
        {
            return [];
        }

        var items = new List<JsonObject>(array.Count);
        foreach (var item in array)
        {
            switch (item)
            {
                case null:
                    items.Add([]);
                    break;
                case JsonObject obj:
                    items.Add(obj);
                    break;
                default:
                    throw DecodeException.WrongType(item, path, "object");
            }
        }

        return items;
    }

    public static string? String(JsonObject? parent, string property, string path)
    {
        var node = parent?[property];
        if (node is null)
        {
            return null;
        }

        return KubeJson.String(node) ?? throw DecodeException.WrongType(node, path, "string");
    }

    public static long? Integer(JsonObject? parent, string property, string path)
    {
        var node = parent?[property];
        if (node is null)
        {
            return null;
        }

        return KubeJson.Integer(node) ?? throw DecodeException.WrongType(node, path, "int64");
    }

    public static bool? Boolean(JsonObject? parent, string property, string path)
    {
        var node = parent?[property];
        if (node is null)
        {
            return null;
        }

        return KubeJson.Boolean(node) ?? throw DecodeException.WrongType(node, path, "bool");
    }

    /// <summary>A map of strings (labels, annotations, data), rejecting non-string values.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> StringMap(JsonObject? parent, string property, string path)
    {
        var map = Object(parent, property, path);
        if (map is null)
        {
            return [];
        }

        var entries = new List<KeyValuePair<string, string>>(map.Count);
        foreach (var (key, value) in map)
        {
            if (value is null)
            {
                continue;
            }

            if (value.GetValueKind() != JsonValueKind.String)
            {
                throw DecodeException.WrongType(value, $"{path}[{key}]", "string");
            }

            entries.Add(new(key, value.GetValue<string>()));
        }

        return entries;
    }
}
