using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MFlow.ContractDocs;

/// <summary>
/// JSON Schemas of the contract records as MassTransit's serializer writes and reads them (camelCase
/// properties, enums as strings), each property described by its XML documentation comment.
/// </summary>
public sealed partial class ContractSchemas
{
    /// <summary>The serializer settings the schemas describe.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        RespectNullableAnnotations = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    readonly Dictionary<string, string> _docs;

    ContractSchemas(Dictionary<string, string> docs) => _docs = docs;

    /// <summary>Reads the contracts' XML documentation, built beside their assembly.</summary>
    public static ContractSchemas Load()
    {
        var assembly = typeof(MFlow.Contracts.StartPipeline).Assembly;
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The contracts' XML documentation is not at {path}: build shared/MFlow.Contracts (it has GenerateDocumentationFile on).", path);
        var docs = XDocument.Load(path).Descendants("member")
            .Where(member => member.Element("summary") is not null)
            .ToDictionary(member => member.Attribute("name")!.Value, member => Text(member.Element("summary")!));
        return new ContractSchemas(docs);
    }

    /// <summary>A type's summary.</summary>
    public string Summary(Type type) => _docs.GetValueOrDefault($"T:{type.FullName}") ?? "";

    /// <summary>A property's summary (an inherited one's from where it is documented).</summary>
    public string Summary(PropertyInfo property)
    {
        for (var type = property.DeclaringType; type is not null; type = type.BaseType)
        {
            if (_docs.TryGetValue($"P:{type.FullName}.{property.Name}", out var summary))
                return summary;
        }

        return "";
    }

    /// <summary>The schema of a message, nested records inlined, every property described.</summary>
    public JsonObject Schema(Type type)
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                if (node is not JsonObject schema)
                    return node;
                var description = context.PropertyInfo?.AttributeProvider is PropertyInfo property
                    ? Summary(property)
                    : context.Path.IsEmpty ? Summary(context.TypeInfo.Type) : "";
                if (description.Length > 0)
                    schema.Insert(0, "description", description);
                return schema;
            },
        };
        var schema = (JsonObject)Options.GetJsonSchemaAsNode(type, exporter);
        if (schema.ToJsonString().Contains("\"$ref\"", StringComparison.Ordinal))
            throw new InvalidOperationException($"The schema of {type.Name} refers to itself; the documents inline every schema and cannot show it.");
        return schema;
    }

    // The summary as one line of text: <see cref> as the name it points to, <c> as its text.
    static string Text(XElement summary)
    {
        var parts = summary.Nodes().Select(node => node switch
        {
            XText text => text.Value,
            XElement { Name.LocalName: "see" } see => see.Attribute("cref")?.Value.Split('.', ':').Last() ?? see.Attribute("langword")?.Value ?? see.Value,
            XElement element => element.Value,
            _ => "",
        });
        return Whitespace().Replace(string.Concat(parts), " ").Trim();
    }

    [GeneratedRegex("\\s+")]
    private static partial Regex Whitespace();
}
