using System.Text.RegularExpressions;
using MFlow.Documents;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// Reads pipeline documents, run requests and definitions. JSON is read as YAML (of which it is a
/// subset), so one parser serves both and reports the line and column of a syntax error either way.
/// Every text first passes <see cref="BoundedReader"/> with <see cref="DocumentLimits.Definition"/>:
/// YamlDotNet's node model and deserializer are recursive, and must never see a document nested
/// deeper than the limit.
/// </summary>
public static partial class PipelineDocumentParser
{
    /// <summary>The largest document accepted, in characters.</summary>
    public static int MaxDocumentLength => DocumentLimits.Definition.MaxChars;

    static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithDuplicateKeyChecking() // a second "stages:" must not silently replace the first
        .WithTypeConverter(new YamlJsonNodes())
        .Build();

    /// <summary>Parses a pipeline document.</summary>
    /// <exception cref="PipelineValidationException">The text is not a well-formed pipeline document.</exception>
    public static PipelineDocument ParsePipeline(string text, string field = "body") =>
        Deserialize<PipelineDocument>(text, field);

    /// <summary>
    /// Parses what POST /api/v1/runs accepts: either a pipeline document, or a run request that
    /// wraps one (<c>pipeline</c>) with run-time <c>params</c>, <c>triggeredBy</c>, <c>trigger</c>, <c>mode</c>.
    /// </summary>
    public static RunRequestDocument ParseRunRequest(string text)
    {
        var root = LoadRoot(text, "body");
        var isWrapper = root.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == "pipeline")
            && !root.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == "stages");
        return isWrapper
            ? Deserialize<RunRequestDocument>(text, "body")
            : new RunRequestDocument { Pipeline = Deserialize<PipelineDocument>(text, "body") };
    }

    static YamlMappingNode LoadRoot(string text, string field)
    {
        CheckBounds(text, field);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                throw PipelineValidationException.For(field, "The document must be a mapping with 'stages' (YAML or JSON).");
            return mapping;
        }
        catch (YamlException ex)
        {
            throw PipelineValidationException.For(field, Describe(ex));
        }
    }

    /// <summary>Reads a document of any of MFlow's document types.</summary>
    public static T Deserialize<T>(string text, string field)
    {
        CheckBounds(text, field);
        try
        {
            return Deserializer.Deserialize<T>(text)
                ?? throw PipelineValidationException.For(field, "The document is empty.");
        }
        catch (YamlException ex)
        {
            throw PipelineValidationException.For(field, Describe(ex));
        }
    }

    static void CheckBounds(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw PipelineValidationException.For(field, "The document is empty.");
        try
        {
            BoundedReader.CheckYaml(text, DocumentLimits.Definition);
        }
        catch (DocumentLimitException ex)
        {
            throw PipelineValidationException.For(field, ex.Message);
        }
        catch (YamlException ex)
        {
            throw PipelineValidationException.For(field, Describe(ex));
        }
    }

    // YamlDotNet wraps the interesting error (an unknown property, a type mismatch) in an outer one
    // that only says "Exception during deserialization".
    static string Describe(YamlException ex)
    {
        var inner = ex;
        while (inner.InnerException is YamlException deeper)
            inner = deeper;
        var reason = inner.InnerException?.Message ?? inner.Message;
        var cut = reason.IndexOf("): ", StringComparison.Ordinal);
        if (reason.StartsWith('(') && cut > 0)
            reason = reason[(cut + 3)..];
        return $"Malformed document at line {ex.Start.Line}, column {ex.Start.Column}: {Readable(reason)}";
    }

    // YamlDotNet speaks of .NET types ("Invalid cast from 'System.String' to 'System.Collections.
    // Generic.List`1[[System.String, System.Private.CoreLib, ...]]'"); the user wrote fields, lists
    // and mappings. Anything not recognised is passed on as it is.
    static string Readable(string reason)
    {
        if (UnknownField().Match(reason) is { Success: true } unknown)
            return $"Unknown field '{unknown.Groups["name"].Value}'.";
        if (DuplicateField().Match(reason) is { Success: true } duplicate)
            return $"The field '{duplicate.Groups["name"].Value}' is given twice.";
        if (UnexpectedNode().Match(reason) is { Success: true } node)
            return $"Expected {NodeShape(node.Groups["expected"].Value)}, found {NodeShape(node.Groups["got"].Value)}.";
        if (WrongType().Match(reason) is { Success: true } type)
            return $"Expected {TypeShape(type.Groups["type"].Value)} here.";
        if (NotANumber().Match(reason) is { Success: true } number)
            return $"'{number.Groups["value"].Value}' is not a whole number.";
        if (reason.StartsWith("Arithmetic operation resulted in an overflow", StringComparison.Ordinal))
            return "The number is too large.";
        return reason;
    }

    static string NodeShape(string yamlEvent) => yamlEvent switch
    {
        "MappingStart" => "a mapping",
        "SequenceStart" => "a list",
        "Scalar" => "a single value",
        _ => yamlEvent,
    };

    static string TypeShape(string clrType) =>
        clrType.Contains("List`1", StringComparison.Ordinal) ? "a list"
        : clrType.Contains("Dictionary`2", StringComparison.Ordinal) ? "a mapping"
        : clrType.Contains("System.Int32", StringComparison.Ordinal) ? "a whole number"
        : clrType.StartsWith("System.String", StringComparison.Ordinal) ? "a single value"
        : "a mapping"; // one of the document classes

    [GeneratedRegex("^Property '(?<name>[^']*)' not found on type ")]
    private static partial Regex UnknownField();

    [GeneratedRegex("^(?:Encountered duplicate key|Duplicate key) (?<name>.+)$")]
    private static partial Regex DuplicateField();

    [GeneratedRegex("^Expected '(?<expected>[A-Za-z]+)', got '(?<got>[A-Za-z]+)'")]
    private static partial Regex UnexpectedNode();

    [GeneratedRegex("^(?:Invalid cast from '[^']*' to '(?<type>[^']*)'|Failed to create an instance of type '(?<type>[^']*)'|No node deserializer was able to deserialize the node into type (?<type>.*))")]
    private static partial Regex WrongType();

    [GeneratedRegex("^The input string '(?<value>.*)' was not in a correct format")]
    private static partial Regex NotANumber();
}

/// <summary>A run request that wraps an inline pipeline with run-time values.</summary>
public sealed class RunRequestDocument
{
    /// <summary>The pipeline to run.</summary>
    public PipelineDocument? Pipeline { get; set; }

    /// <summary>Run-time param values (highest precedence).</summary>
    public Dictionary<string, string>? Params { get; set; }

    /// <summary>Who asks.</summary>
    public string? TriggeredBy { get; set; }

    /// <summary>What caused it.</summary>
    public string? Trigger { get; set; }

    /// <summary>normal or rollback.</summary>
    public string? Mode { get; set; }

    /// <summary>Makes the request idempotent (the Idempotency-Key header does the same).</summary>
    public string? IdempotencyKey { get; set; }
}
