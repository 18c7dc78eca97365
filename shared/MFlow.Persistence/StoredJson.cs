using System.Text.Json;

namespace MFlow.Persistence;

/// <summary>How MFlow serializes the JSON documents it stores (run plans, task outputs, outbox messages).</summary>
public static class StoredJson
{
    /// <summary>camelCase, enums as strings (the contracts say so on each enum), nulls kept so documents read the same every time.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
