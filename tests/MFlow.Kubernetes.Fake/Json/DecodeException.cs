using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// A body the apiserver could not decode into its Go types (wrong JSON type, bad quantity, bad base64):
/// it answers 400 BadRequest, before any validation runs.
/// </summary>
internal sealed class DecodeException(string message) : Exception(message)
{
    /// <summary>
    /// Go's UnmarshalTypeError: <paramref name="field"/> is "Struct.dotted.path" (null for a value
    /// outside a struct); a number that does not fit an integer type is quoted.
    /// </summary>
    public static DecodeException WrongType(JsonNode node, string? field, string goType)
    {
        var value = node.GetValueKind() == JsonValueKind.Number && goType.StartsWith("int", StringComparison.Ordinal)
            ? $"number {node.ToJsonString()}"
            : JsonKind(node);
        return new(field is null
            ? $"json: cannot unmarshal {value} into Go value of type {goType}"
            : $"json: cannot unmarshal {value} into Go struct field {field} of type {goType}");
    }

    private static string JsonKind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "value",
    };
}
