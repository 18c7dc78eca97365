using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// A body the apiserver could not decode into its Go types (wrong JSON type, bad quantity, bad base64):
/// it answers 400 BadRequest, before any validation runs.
/// </summary>
internal sealed class DecodeException(string message) : Exception(message)
{
    public static DecodeException WrongType(JsonNode node, string path, string goType) =>
        new($"json: cannot unmarshal {JsonKind(node)} into Go struct field {path} of type {goType}");

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
