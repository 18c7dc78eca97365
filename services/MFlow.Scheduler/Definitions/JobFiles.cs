using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Definitions;

/// <summary>Job definitions kept as YAML files (the built-in jobs; a directory for offline rendering).</summary>
public static class JobFiles
{
    /// <summary>Where the built-in jobs are copied next to the service.</summary>
    public static string BuiltinDirectory => Path.Combine(AppContext.BaseDirectory, "jobs");

    /// <summary>Every job definition in the directories, parsed and validated.</summary>
    public static IReadOnlyList<ParsedDefinition> Read(params string[] directories) =>
        directories.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.yaml").Order())
            .Select(f => DefinitionParsers.ParseJob(File.ReadAllText(f)))
            .ToList();

    /// <summary>
    /// Resolves a pipeline's job references against job files, as if they were published: an exact
    /// version, or for "latest" the highest version of that name.
    /// </summary>
    public static IReadOnlyDictionary<string, ResolvedJob> Resolve(PipelineDocument pipeline, IReadOnlyList<ParsedDefinition> jobs)
    {
        var resolved = new Dictionary<string, ResolvedJob>(StringComparer.Ordinal);
        var errors = new ValidationErrors();
        foreach (var (path, reference) in pipeline.JobReferences())
        {
            if (!DefinitionName.TryParse(reference, out var name))
                continue; // the validator reported it
            var match = jobs.Where(j => j.Name.Unversioned == name.Unversioned && (name.IsLatest || j.Name.Version == name.Version))
                .OrderByDescending(j => j.Name.Version, StringComparer.Ordinal).FirstOrDefault();
            if (match is null)
            {
                errors.Add(path, $"No job file defines {name}.");
                continue;
            }

            var document = System.Text.Json.JsonSerializer.Deserialize<JobDefinitionDocument>(match.Document, MFlow.Persistence.StoredJson.Options)!;
            PipelineValidator.TryParseKind(match.Kind, out var kind);
            resolved[reference] = new ResolvedJob(Guid.Empty, match.Name, kind, document);
        }

        errors.ThrowIfAny();
        return resolved;
    }
}
