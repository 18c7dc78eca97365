using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Models;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace MFlow.Standalone.Commands;

/// <summary>Writes Kubernetes objects as YAML, exactly as the executor would send them (as JSON) to the API.</summary>
public static class ManifestYaml
{
    static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithEventEmitter(next => new LiteralMultilineEmitter(next))
        .DisableAliases()
        .Build();

    /// <summary>The object as YAML, preceded by the given comment lines.</summary>
    public static string Write(KubernetesObject manifest, params string[] comments)
    {
        var json = manifest switch
        {
            Job job => JsonSerializer.SerializeToNode(job, KubernetesJsonContext.Default.Job),
            Secret secret => JsonSerializer.SerializeToNode(secret, KubernetesJsonContext.Default.Secret),
            ConfigMap configMap => JsonSerializer.SerializeToNode(configMap, KubernetesJsonContext.Default.ConfigMap),
            _ => throw new ArgumentException($"Cannot render a {manifest.Kind}.", nameof(manifest)),
        };
        var header = string.Concat(comments.Select(c => $"# {c}\n"));
        return header + Serializer.Serialize(ToPlain(json));
    }

    // YamlDotNet serializes plain objects; a JsonNode tree becomes dictionaries, lists and scalars.
    static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value when value.TryGetValue<long>(out var number) => number,
        JsonValue value when value.TryGetValue<double>(out var real) => real,
        JsonValue value => value.ToString(),
        _ => node.ToJsonString(),
    };

    // Multi-line values (playbooks, inventories) read best as literal blocks.
    sealed class LiteralMultilineEmitter(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string text && text.Contains('\n') && !text.Any(c => char.IsControl(c) && c != '\n'))
                eventInfo.Style = YamlDotNet.Core.ScalarStyle.Literal;
            base.Emit(eventInfo, emitter);
        }
    }
}
