using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
// Not the Scalar.AspNetCore namespace (the API reference UI).
using YamlScalar = YamlDotNet.Core.Events.Scalar;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// Reads a YAML subtree into a <see cref="JsonNode"/>, for fields that hold one of Kubernetes' own
/// objects as written (a pod's affinity): plain scalars mean what the YAML 1.2 core schema says,
/// as kubectl reads them; quoted ones are strings. Nesting is bounded.
/// </summary>
public sealed partial class YamlJsonNodes : IYamlTypeConverter
{
    /// <summary>How deep a subtree may nest.</summary>
    public const int MaxDepth = 32;

    /// <inheritdoc />
    public bool Accepts(Type type) => typeof(JsonNode).IsAssignableFrom(type);

    /// <inheritdoc />
    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        var start = parser.Current?.Start ?? Mark.Empty;
        var node = Read(parser, 0);
        return type == typeof(JsonObject) && node is not JsonObject
            ? throw new YamlException(start, start, "Expected a mapping here.")
            : node;
    }

    /// <inheritdoc />
    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        throw new NotSupportedException("MFlow only reads these fields from YAML.");

    static JsonNode? Read(IParser parser, int depth)
    {
        var start = parser.Current?.Start ?? Mark.Empty;
        if (depth > MaxDepth)
            throw new YamlException(start, start, $"Nested deeper than {MaxDepth} levels.");
        if (parser.TryConsume<YamlScalar>(out var scalar))
            return scalar.Style is ScalarStyle.Plain ? Plain(scalar.Value) : JsonValue.Create(scalar.Value);
        if (parser.TryConsume<SequenceStart>(out _))
        {
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _))
                array.Add(Read(parser, depth + 1));
            return array;
        }

        if (parser.TryConsume<MappingStart>(out _))
        {
            var mapping = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current?.Start ?? start;
                var key = parser.Consume<YamlScalar>().Value;
                if (mapping.ContainsKey(key))
                    throw new YamlException(keyStart, keyStart, $"Duplicate key {key}");
                mapping[key] = Read(parser, depth + 1);
            }

            return mapping;
        }

        throw new YamlException(start, start, "Anchors, aliases and tags are not supported here.");
    }

    static JsonNode? Plain(string text) => text switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ when Real().IsMatch(text) => JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(text),
    };

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Real();
}
