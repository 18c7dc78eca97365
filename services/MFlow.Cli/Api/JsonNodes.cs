using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFlow.Cli;

/// <summary>Reading the API's JSON leniently: a missing or null member is null, never an exception.</summary>
public static class JsonNodes
{
    /// <summary>A member as text (numbers and booleans as they are written).</summary>
    public static string? Text(this JsonNode? node, string name) => node?[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Null => null,
        var other => other.ToJsonString(),
    };

    /// <summary>A member as a time.</summary>
    public static DateTimeOffset? Time(this JsonNode? node, string name) =>
        DateTimeOffset.TryParse(node.Text(name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : null;
}
