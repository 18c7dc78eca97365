using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) over an untyped object.</summary>
internal static class JsonPatch
{
    /// <summary>Applies the operations to a copy of <paramref name="target"/>.</summary>
    /// <exception cref="JsonPatchException">An operation is malformed, its path is missing, or a test fails.</exception>
    public static JsonObject Apply(JsonObject target, JsonArray operations)
    {
        JsonNode root = target.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op)
            {
                throw new JsonPatchException("the patch operations must be JSON objects");
            }

            var kind = KubeJson.String(op["op"]) ?? throw new JsonPatchException("missing 'op' in a patch operation");
            var path = KubeJson.String(op["path"]) ?? throw new JsonPatchException($"missing 'path' in a '{kind}' operation");
            switch (kind)
            {
                case "add":
                    root = Add(root, path, Value(op, kind));
                    break;
                case "remove":
                    root = Remove(root, path, out _);
                    break;
                case "replace":
                    root = Remove(root, path, out _);
                    root = Add(root, path, Value(op, kind));
                    break;
                case "move":
                    root = Remove(root, From(op, kind), out var moved);
                    root = Add(root, path, moved);
                    break;
                case "copy":
                    root = Add(root, path, Get(root, From(op, kind))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                    {
                        throw new JsonPatchException($"testing value {path} failed");
                    }

                    break;
                default:
                    throw new JsonPatchException($"Unexpected kind: {kind}");
            }
        }

        return root as JsonObject ?? throw new JsonPatchException("the patch must leave an object");
    }

    private static JsonNode? Value(JsonObject op, string kind) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw new JsonPatchException($"missing 'value' in a '{kind}' operation");

    private static string From(JsonObject op, string kind) =>
        KubeJson.String(op["from"]) ?? throw new JsonPatchException($"missing 'from' in a '{kind}' operation");

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new JsonPatchException($"JSON pointer must be empty or start with a \"/\": {pointer}");
        }

        return pointer[1..].Split('/').Select(token => token.Replace("~1", "/").Replace("~0", "~")).ToList();
    }

    private static JsonNode? Get(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array when int.TryParse(token, out var index) && index >= 0 && index < array.Count => array[index],
                _ => throw new JsonPatchException($"doc is missing path: \"{pointer}\""),
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            return value ?? throw new JsonPatchException("cannot replace the document with null");
        }

        var parent = Get(root, ParentPointer(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index <= array.Count:
                array.Insert(index, value);
                break;
            default:
                throw new JsonPatchException($"doc is missing path: \"{pointer}\"");
        }

        return root;
    }

    private static JsonNode Remove(JsonNode root, string pointer, out JsonNode? removed)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            throw new JsonPatchException("cannot remove the whole document");
        }

        var parent = Get(root, ParentPointer(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var child):
                obj.Remove(last);
                removed = child;
                break;
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index < array.Count:
                removed = array[index];
                array.RemoveAt(index);
                break;
            default:
                throw new JsonPatchException($"Unable to remove nonexistent key: {last}: missing value");
        }

        return root;
    }

    private static string ParentPointer(List<string> tokens) =>
        tokens.Count == 1 ? "" : "/" + string.Join('/', tokens[..^1].Select(Escape));

    private static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");
}

/// <summary>A JSON patch that cannot be applied.</summary>
internal sealed class JsonPatchException(string message) : Exception(message);
