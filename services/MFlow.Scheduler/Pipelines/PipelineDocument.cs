namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// A pipeline as a user writes it (YAML or JSON, camelCase): stages run in order, the tasks of a
/// stage in parallel. Parsed by <see cref="PipelineDocumentParser"/>, checked by <see cref="PipelineValidator"/>.
/// </summary>
public sealed class PipelineDocument
{
    /// <summary>The pipeline's name.</summary>
    public string? Name { get; set; }

    /// <summary>What it is for.</summary>
    public string? Description { get; set; }

    /// <summary>A stored pipeline's namespace (its unique name is name@namespace.domain:version).</summary>
    public string? Namespace { get; set; }

    /// <summary>A stored pipeline's domain.</summary>
    public string? Domain { get; set; }

    /// <summary>A stored pipeline's version.</summary>
    public string? Version { get; set; }

    /// <summary>Labels to find a stored pipeline by.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Params every task gets (lowest precedence after job defaults).</summary>
    public Dictionary<string, string>? Params { get; set; }

    /// <summary>The stages, in order.</summary>
    public List<StageDocument>? Stages { get; set; }

    /// <summary>Each distinct stored-job reference of the tasks, with the field it was first written in.</summary>
    public IEnumerable<(string Path, string Reference)> JobReferences()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < (Stages?.Count ?? 0); s++)
        {
            for (var t = 0; t < (Stages![s]?.Tasks?.Count ?? 0); t++)
            {
                if (Stages[s]!.Tasks![t]?.Job is { } reference && seen.Add(reference))
                    yield return ($"stages[{s}].tasks[{t}].job", reference);
            }
        }
    }
}

/// <summary>A stage: its tasks run in parallel; it starts when the previous stage succeeded.</summary>
public sealed class StageDocument
{
    /// <summary>The stage's name, unique in the pipeline.</summary>
    public string? Name { get; set; }

    /// <summary>True (the default): the stage's tasks run in parallel; false: one after another, in order.</summary>
    public bool? Parallel { get; set; }

    /// <summary>Params every task of the stage gets (over the pipeline's).</summary>
    public Dictionary<string, string>? Params { get; set; }

    /// <summary>The stage's tasks.</summary>
    public List<TaskDocument>? Tasks { get; set; }
}

/// <summary>A task: one Job of one kind.</summary>
public sealed class TaskDocument
{
    /// <summary>The task's name, unique in the pipeline: a DNS-1123 label.</summary>
    public string? Name { get; set; }

    /// <summary>build, deploy or vm; taken from the job when the task runs a stored one.</summary>
    public string? Kind { get; set; }

    /// <summary>A stored job to run, by unique name: name@namespace.domain[:version], "latest" allowed.</summary>
    public string? Job { get; set; }

    /// <summary>The task's own params (over the stage's).</summary>
    public Dictionary<string, string>? Params { get; set; }

    /// <summary>The main container to run.</summary>
    public ContainerDocument? Container { get; set; }

    /// <summary>Containers to run, in order, before the main one.</summary>
    public List<ContainerDocument>? InitContainers { get; set; }

    /// <summary>How many times a failed attempt's pod is retried (Kubernetes backoffLimit); default 0.</summary>
    public int? Retries { get; set; }

    /// <summary>Deadline of an attempt in seconds; default 3600.</summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary>The namespace the task's Job runs in; default: the worker's.</summary>
    public string? Namespace { get; set; }

    /// <summary>A registered cluster to run the task's Job in; default: the worker's.</summary>
    public string? Cluster { get; set; }

    /// <summary>Scheduling, identity, resources and metadata of the task's pod, over its job's.</summary>
    public PodTemplateDocument? PodTemplate { get; set; }
}

/// <summary>A container as a pipeline task gives it.</summary>
public sealed class ContainerDocument
{
    /// <summary>Container name (optional).</summary>
    public string? Name { get; set; }

    /// <summary>Image reference (required).</summary>
    public string? Image { get; set; }

    /// <summary>Entrypoint.</summary>
    public List<string>? Command { get; set; }

    /// <summary>Arguments.</summary>
    public List<string>? Args { get; set; }

    /// <summary>Environment variables.</summary>
    public Dictionary<string, string>? Env { get; set; }

    /// <summary>Working directory.</summary>
    public string? WorkingDir { get; set; }
}
