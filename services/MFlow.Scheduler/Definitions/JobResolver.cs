using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// Resolves the stored jobs a pipeline names to exact published versions ("latest" to the newest
/// one), refusing drafts and deprecated versions with the reason, before anything is stored.
/// </summary>
public sealed class JobResolver(DefinitionStore store, DefinitionSecrets secrets)
{
    /// <summary>Every job reference of the pipeline, resolved.</summary>
    /// <exception cref="PipelineValidationException">A reference names no usable job.</exception>
    public async Task<IReadOnlyDictionary<string, ResolvedJob>> ResolveAsync(PipelineDocument pipeline, CancellationToken cancellationToken)
    {
        var resolved = new Dictionary<string, ResolvedJob>(StringComparer.Ordinal);
        var errors = new ValidationErrors();
        foreach (var (path, reference) in pipeline.JobReferences())
        {
            if (!DefinitionName.TryParse(reference, out var name))
                continue; // the validator reported it
            var stored = await store.FindAsync(DefinitionTypes.Job, name, cancellationToken);
            if (stored is null)
            {
                errors.Add(path, name.IsLatest ? $"Job {name.Unversioned} has no published version." : $"There is no job {name}.");
                continue;
            }

            if (stored.Stage == DefinitionStages.Draft)
            {
                errors.Add(path, $"Job {stored.Name} is a draft; publish it before a run can use it.");
                continue;
            }

            if (stored.Stage == DefinitionStages.Deprecated)
            {
                errors.Add(path, $"Job {stored.Name} is deprecated: new runs cannot use it (runs already using it finish).");
                continue;
            }

            PipelineValidator.TryParseKind(stored.Kind, out var kind);
            resolved[reference] = new ResolvedJob(stored.Id, stored.Name, kind, secrets.Open(DefinitionParsers.Job(stored)));
        }

        errors.ThrowIfAny();
        return resolved;
    }
}
