using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace MFlow.ContractDocs;

/// <summary>
/// docs/asyncapi.yaml: MFlow as an AsyncAPI 3 application on RabbitMQ. It receives the commands
/// (plain JSON on their own exchanges, or MassTransit's envelope on the message type's exchange) and
/// sends the events (the envelope, on the event type's exchange). Internal messages are left out.
/// </summary>
public static class AsyncApiDocument
{
    /// <summary>The document as YAML.</summary>
    public static string Yaml(ContractSchemas schemas, string version)
    {
        var channels = new JsonObject();
        var operations = new JsonObject();
        var messages = new JsonObject();
        var schemaComponents = new JsonObject();
        foreach (var message in MessageCatalog.All.Where(m => m.Role != MessageRole.Internal))
        {
            var name = message.Type.Name;
            var summary = schemas.Summary(message.Type);
            schemaComponents[name] = schemas.Schema(message.Type);
            messages[name] = new JsonObject
            {
                ["name"] = name,
                ["title"] = $"{name} (plain JSON)",
                ["summary"] = summary,
                ["contentType"] = "application/json",
                ["payload"] = Ref($"#/components/schemas/{name}"),
            };
            messages[name + "Envelope"] = new JsonObject
            {
                ["name"] = name,
                ["title"] = $"{name} (MassTransit envelope)",
                ["summary"] = summary,
                ["contentType"] = "application/vnd.masstransit+json",
                ["payload"] = Envelope(message),
            };

            var camel = JsonNamingPolicy.CamelCase.ConvertName(name);
            var action = message.Role == MessageRole.Command ? "receive" : "send";
            channels[camel] = Channel(message.Exchange, message.Exchange, name + "Envelope",
                message.Role == MessageRole.Command
                    ? $"MassTransit publishes {name} here; bound to the {message.ConsumedBy} queue."
                    : $"MFlow publishes {name} here (fanout): bind a queue of your own to receive it.");
            operations[camel] = new JsonObject
            {
                ["action"] = action,
                ["channel"] = Ref($"#/channels/{camel}"),
                ["summary"] = summary,
                ["messages"] = new JsonArray(Ref($"#/channels/{camel}/messages/{name}Envelope")),
            };
            if (message.PlainQueue is { } queue)
            {
                channels[camel + "Plain"] = Channel(queue, queue, name,
                    $"Plain JSON {name} from any AMQP client: publish to this fanout exchange (or to the default exchange with routing key {queue}). Unreadable messages go to {queue}_error with the reason in MT-Fault-Message.");
                operations[camel + "Plain"] = new JsonObject
                {
                    ["action"] = "receive",
                    ["channel"] = Ref($"#/channels/{camel}Plain"),
                    ["summary"] = summary,
                    ["messages"] = new JsonArray(Ref($"#/channels/{camel}Plain/messages/{name}")),
                };
            }
        }

        var document = new JsonObject
        {
            ["asyncapi"] = "3.0.0",
            ["info"] = new JsonObject
            {
                ["title"] = "MFlow messages",
                ["version"] = version,
                ["description"] = "Generated from shared/MFlow.Contracts by `dotnet run --project tools/MFlow.ContractDocs`; do not edit. See docs/messages.md.",
            },
            ["defaultContentType"] = "application/json",
            ["servers"] = new JsonObject
            {
                ["rabbitmq"] = new JsonObject
                {
                    ["host"] = "localhost:5672",
                    ["protocol"] = "amqp",
                    ["protocolVersion"] = "0.9.1",
                    ["description"] = "The RabbitMQ virtual host MFlow's services use (ConnectionStrings__RabbitMq).",
                },
            },
            ["channels"] = channels,
            ["operations"] = operations,
            ["components"] = new JsonObject { ["messages"] = messages, ["schemas"] = schemaComponents },
        };
        return ToYaml(document);
    }

    static JsonObject Channel(string address, string exchange, string messageKey, string description) => new()
    {
        ["address"] = address,
        ["description"] = description,
        ["messages"] = new JsonObject { [messageKey] = Ref($"#/components/messages/{messageKey}") },
        ["bindings"] = new JsonObject
        {
            ["amqp"] = new JsonObject
            {
                ["is"] = "routingKey",
                ["exchange"] = new JsonObject { ["name"] = exchange, ["type"] = "fanout", ["durable"] = true, ["autoDelete"] = false, ["vhost"] = "/" },
                ["bindingVersion"] = "0.3.0",
            },
        },
    };

    // MassTransit's envelope: the message under "message", its type's URN in "messageType".
    static JsonObject Envelope(CatalogedMessage message) => new()
    {
        ["type"] = "object",
        ["required"] = new JsonArray("messageType", "message"),
        ["properties"] = new JsonObject
        {
            ["messageId"] = new JsonObject { ["type"] = "string", ["format"] = "uuid", ["description"] = "The message's id; a StartPipeline without an idempotencyKey is idempotent by it." },
            ["messageType"] = new JsonObject
            {
                ["type"] = "array",
                ["items"] = new JsonObject { ["type"] = "string" },
                ["contains"] = new JsonObject { ["const"] = message.Urn },
                ["description"] = $"The message's type URNs; must contain {message.Urn}.",
            },
            ["sentTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["headers"] = new JsonObject { ["type"] = "object" },
            ["message"] = Ref($"#/components/schemas/{message.Type.Name}"),
        },
    };

    static JsonObject Ref(string target) => new() { ["$ref"] = target };

    static string ToYaml(JsonNode node) =>
        new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(ToObject(node));

    static object? ToObject(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Aggregate(new OrderedDictionary<string, object?>(), (map, property) =>
        {
            map.Add(property.Key, ToObject(property.Value));
            return map;
        }),
        JsonArray array => array.Select(ToObject).ToList(),
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value when value.TryGetValue<long>(out var whole) => whole,
        JsonValue value when value.TryGetValue<double>(out var number) => number,
        JsonValue value => value.ToJsonString(),
        _ => null,
    };
}
