using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// Reads pipeline documents and run requests. JSON is read as YAML (of which it is a subset), so one
/// parser serves both and reports the line and column of a syntax error either way.
/// </summary>
public static class PipelineDocumentParser
{
    /// <summary>The largest document accepted.</summary>
    public const int MaxDocumentLength = 1024 * 1024;

    static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
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
        CheckLength(text, field);
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

    static T Deserialize<T>(string text, string field)
    {
        CheckLength(text, field);
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

    static void CheckLength(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw PipelineValidationException.For(field, "The document is empty.");
        if (text.Length > MaxDocumentLength)
            throw PipelineValidationException.For(field, $"The document is longer than {MaxDocumentLength} characters.");
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
        return $"Malformed document at line {ex.Start.Line}, column {ex.Start.Column}: {reason}";
    }
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
