using MFlow.Contracts;
using MFlow.Kubernetes;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Params;

/// <summary>
/// Merges a task's param values and checks them against its job's declarations, before anything is
/// stored or dispatched. Precedence, lowest first: system variables (injected later, never
/// overridable), job defaults, the job's rollback values (rollback runs), pipeline, stage, task,
/// run-time values. Only declared params reach the job: an undeclared one is refused at task
/// level, and set for a whole stage, pipeline or run it is dropped, unless its name controls how a
/// process runs (<see cref="ProcessControllingNames"/>), which is refused at any level.
/// </summary>
public static class ParamResolver
{
    /// <summary>One source of values, with the field path its values are reported under.</summary>
    /// <remarks>An <paramref name="Offered"/> layer's values reach a job only where it declares them as settable; elsewhere they are dropped silently.</remarks>
    public sealed record Layer(string Source, string? Path, IReadOnlyDictionary<string, string>? Values, bool TaskLevel = false, bool Offered = false);

    /// <summary>Resolves a stored job's params for one task; errors go to <paramref name="errors"/>.</summary>
    public static ResolvedParams Resolve(ResolvedJob job, string taskName, RunMode mode, IReadOnlyList<Layer> layers, IReadOnlySet<string> registeredClusters, ValidationErrors errors, string taskPath)
    {
        var specs = (job.Document.Params ?? []).Where(p => p.Name is not null).ToDictionary(p => p.Name!, StringComparer.Ordinal);
        var values = new Dictionary<string, (string Value, string? Path)>(StringComparer.Ordinal);
        foreach (var spec in specs.Values.Where(s => s.Default is not null))
            values[spec.Name!] = (spec.Default!, null);
        if (mode == RunMode.Rollback)
        {
            foreach (var (name, value) in job.Document.Rollback?.Params ?? [])
                values[name] = (value, null);
        }

        foreach (var layer in layers)
        {
            foreach (var (name, value) in layer.Values ?? new Dictionary<string, string>())
            {
                var path = $"{layer.Path}.{name}";
                if (layer.Offered && (!specs.TryGetValue(name, out var offeredTo) || offeredTo.ReadOnly || offeredTo.ParsedUsage == ParamUsage.System))
                    continue;

                if (specs.TryGetValue(name, out var spec))
                {
                    if (spec.ReadOnly)
                    {
                        errors.Add(path, $"Task '{taskName}': param {name} of job {job.Name} is read-only; only the job's default applies.");
                        continue;
                    }

                    if (spec.ParsedUsage == ParamUsage.System)
                    {
                        errors.Add(path, $"Task '{taskName}': {name} is a system variable of job {job.Name}; the runner sets it.");
                        continue;
                    }
                }
                else if (ProcessControllingNames.Contains(name))
                {
                    errors.Add(path, $"{ProcessControllingNames.Why(name)}; job {job.Name} does not declare it, so it cannot be set.");
                    continue;
                }
                else if (layer.TaskLevel)
                {
                    errors.Add(path, $"Task '{taskName}': job {job.Name} has no param {name} (declare it in the job; a value set for the whole stage, pipeline or run reaches only the jobs that declare it).");
                    continue;
                }
                else
                {
                    // Set for the whole stage, pipeline or run: it is for the tasks whose jobs declare
                    // it, and never reaches this job's environment.
                    continue;
                }

                values[name] = (value, path);
            }
        }

        var optional = mode == RunMode.Rollback ? (job.Document.Rollback?.Optional ?? []).ToHashSet() : [];
        var resolved = new ResolvedParams();
        foreach (var spec in specs.Values)
        {
            var name = spec.Name!;
            if (!values.TryGetValue(name, out var entry))
            {
                if (spec.Required && !optional.Contains(name))
                    errors.Add($"{taskPath}.params.{name}", $"Task '{taskName}': param {name} is required by job {job.Name}{Describe(spec)}.");
                continue;
            }

            if (ParamValues.Check(spec, entry.Value) is { } problem)
                errors.Add(entry.Path ?? $"{taskPath}.params.{name}", $"Task '{taskName}': param {name} {problem}");
        }

        foreach (var (name, (value, path)) in values)
        {
            var spec = specs.GetValueOrDefault(name);
            switch (spec?.ParsedUsage ?? ParamUsage.Env)
            {
                case ParamUsage.Runner when name == "NAMESPACE":
                    resolved.Namespace = value;
                    break;
                case ParamUsage.Runner when name == "CLUSTER":
                    if (!registeredClusters.Contains(value))
                        errors.Add(path ?? $"{taskPath}.params.{name}", $"Task '{taskName}': cluster '{value}' is not registered (see /api/v1/clusters).");
                    resolved.Cluster = value;
                    break;
                case ParamUsage.Runner when name == "KUBECONFIG":
                    // Checked by structure only (an exec plugin is never run here); problems never quote it.
                    foreach (var problem in KubeconfigValidator.Problems(value))
                        errors.Add(path ?? $"{taskPath}.params.{name}", $"Task '{taskName}': param {name} is not a usable kubeconfig: {problem}");
                    resolved.Kubeconfig = value;
                    break;
                case ParamUsage.Template:
                    (spec!.Sensitive ? resolved.Secret : resolved.Template)[name] = value;
                    break;
                case ParamUsage.System:
                    break;
                default:
                    (spec?.Sensitive == true ? resolved.Secret : resolved.Env)[name] = value;
                    break;
            }
        }

        return resolved;
    }

    static string Describe(ParamSpec spec) => spec.Description is { Length: > 0 } description ? $" ({description.TrimEnd('.')})" : "";
}

/// <summary>A task's params, sorted by where they go.</summary>
public sealed class ResolvedParams
{
    /// <summary>Environment variables of the task's containers.</summary>
    public Dictionary<string, string> Env { get; } = new(StringComparer.Ordinal);

    /// <summary>Values for the job's template.</summary>
    public Dictionary<string, string> Template { get; } = new(StringComparer.Ordinal);

    /// <summary>Sensitive values: delivered through the task's Secret, masked everywhere else.</summary>
    public Dictionary<string, string> Secret { get; } = new(StringComparer.Ordinal);

    /// <summary>The namespace the Job runs in (runner param).</summary>
    public string? Namespace { get; set; }

    /// <summary>A registered cluster to act on (runner param).</summary>
    public string? Cluster { get; set; }

    /// <summary>An inline kubeconfig to act with (runner param, sensitive).</summary>
    public string? Kubeconfig { get; set; }
}

/// <summary>A stored job a run uses, resolved to an exact version.</summary>
public sealed record ResolvedJob(Guid Id, DefinitionName Name, JobKind Kind, JobDefinitionDocument Document);
