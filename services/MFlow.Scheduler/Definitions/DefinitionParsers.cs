using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.Documents;
using MFlow.Persistence;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Definitions;

/// <summary>A definition read from a request: its identity and the normalised JSON document to store.</summary>
public sealed record ParsedDefinition(DefinitionName Name, string? Kind, IReadOnlyDictionary<string, string> Labels, string Document);

/// <summary>Reads and validates job and pipeline definitions, and shows them (sensitive defaults masked).</summary>
public static class DefinitionParsers
{
    /// <summary>Parses and validates a job definition (YAML or JSON).</summary>
    public static ParsedDefinition ParseJob(string text)
    {
        var job = PipelineDocumentParser.Deserialize<JobDefinitionDocument>(text, "body");
        JobDefinitionValidator.Validate(job);
        PipelineValidator.TryParseKind(job.Kind, out var kind);
        return new ParsedDefinition(
            new DefinitionName(job.Name!, job.Namespace!, job.Domain!, job.Version!),
            kind.ToString().ToLowerInvariant(),
            job.Labels ?? [],
            WithinBudget(JsonSerializer.Serialize(job, StoredJson.Options)));
    }

    /// <summary>Parses and validates a pipeline definition (YAML or JSON).</summary>
    public static ParsedDefinition ParsePipeline(string text)
    {
        var pipeline = PipelineDocumentParser.ParsePipeline(text);
        var errors = new ValidationErrors();
        DefinitionDocuments.CheckIdentity(errors, pipeline.Name, pipeline.Namespace, pipeline.Domain, pipeline.Version);
        DefinitionDocuments.CheckLabels(errors, pipeline.Labels);
        try
        {
            PipelineValidator.Validate(pipeline);
        }
        catch (PipelineValidationException ex)
        {
            foreach (var (field, messages) in ex.Errors)
            {
                foreach (var message in messages)
                    errors.Add(field, message);
            }
        }

        errors.ThrowIfAny();
        return new ParsedDefinition(
            new DefinitionName(pipeline.Name!, pipeline.Namespace!, pipeline.Domain!, pipeline.Version!),
            null,
            pipeline.Labels ?? [],
            WithinBudget(JsonSerializer.Serialize(pipeline, StoredJson.Options)));
    }

    /// <summary>The most a stored definition may hold, in characters.</summary>
    public static int MaxStoredChars => DocumentLimits.Definition.MaxChars;

    // What is stored can be larger than what was sent: YAML aliases are expanded into JSON.
    static string WithinBudget(string document) =>
        document.Length <= MaxStoredChars ? document
        : throw PipelineValidationException.For("definition", $"The definition would be stored as {document.Length} characters (YAML aliases expanded); the limit is {MaxStoredChars}.");

    /// <summary>A stored job's document.</summary>
    public static JobDefinitionDocument Job(StoredDefinition stored) =>
        JsonSerializer.Deserialize<JobDefinitionDocument>(stored.Document, StoredJson.Options)!;

    /// <summary>A stored pipeline's document.</summary>
    public static PipelineDocument Pipeline(StoredDefinition stored) =>
        JsonSerializer.Deserialize<PipelineDocument>(stored.Document, StoredJson.Options)!;

    /// <summary>The document as the API shows it: a job's sensitive defaults masked.</summary>
    public static JsonNode? Shown(StoredDefinition stored)
    {
        if (stored.Type != DefinitionTypes.Job)
            return JsonNode.Parse(stored.Document);
        var job = Job(stored);
        foreach (var param in (job.Params ?? []).Where(p => p.Sensitive && (p.Default ?? p.ProtectedDefault) is not null))
        {
            param.Default = ParamValues.Mask;
            param.ProtectedDefault = null;
        }

        // A rollback value of a sensitive param is as secret as its default.
        var sensitive = (job.Params ?? []).Where(p => p.Sensitive && p.Name is not null).Select(p => p.Name!).ToHashSet();
        foreach (var name in job.Rollback?.Params?.Keys.Where(sensitive.Contains).ToList() ?? [])
            job.Rollback!.Params![name] = ParamValues.Mask;
        if (job.Rollback?.ProtectedParams is { } protectedParams)
        {
            job.Rollback.Params ??= [];
            foreach (var name in protectedParams.Keys)
                job.Rollback.Params[name] = ParamValues.Mask;
            job.Rollback.ProtectedParams = null;
        }
        return JsonSerializer.SerializeToNode(job, StoredJson.Options);
    }
}
