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

    /// <summary>How many runs of a group may run at once, and what happens to more.</summary>
    public ConcurrencyDocument? Concurrency { get; set; }

    /// <summary>How long the whole run may take once it starts running (DurationText).</summary>
    public string? Timeout { get; set; }

    /// <summary>Stages that run once the main stages ended, succeeded or failed (not after a cancel); in order, each whatever the one before did.</summary>
    public List<StageDocument>? Finally { get; set; }

    /// <summary>The main stages then the finally stages, each with the field it is written in.</summary>
    public IEnumerable<(string Path, StageDocument? Stage, bool IsFinally)> AllStages() =>
        (Stages ?? []).Select((s, i) => ($"stages[{i}]", (StageDocument?)s, false))
        .Concat((Finally ?? []).Select((s, i) => ($"finally[{i}]", (StageDocument?)s, true)));

    /// <summary>Each distinct stored-job reference of the tasks, with the field it was first written in.</summary>
    public IEnumerable<(string Path, string Reference)> JobReferences()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, stage, _) in AllStages())
        {
            for (var t = 0; t < (stage?.Tasks?.Count ?? 0); t++)
            {
                if (stage!.Tasks![t]?.Job is { } reference && seen.Add(reference))
                    yield return ($"{path}.tasks[{t}].job", reference);
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

    /// <summary>A gate the run waits at before dispatching the stage.</summary>
    public ApprovalDocument? Approval { get; set; }

    /// <summary>How long the stage may take from its dispatch (DurationText).</summary>
    public string? Timeout { get; set; }

    /// <summary>Conditions that must all hold for the stage to run; else its tasks are all Skipped.</summary>
    public List<WhenDocument?>? When { get; set; }
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

    /// <summary>How many times a failed attempt is retried, each retry a new attempt (its own Job and token); default 0.</summary>
    public int? Retries { get; set; }

    /// <summary>The wait before each retry; default 10s, doubling, at most 5m.</summary>
    public RetryBackoffDocument? RetryBackoff { get; set; }

    /// <summary>Deadline of an attempt in seconds; default 3600.</summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary>The namespace the task's Job runs in; default: the worker's.</summary>
    public string? Namespace { get; set; }

    /// <summary>A registered cluster to run the task's Job in; default: the worker's.</summary>
    public string? Cluster { get; set; }

    /// <summary>Scheduling, identity, resources and metadata of the task's pod, over its job's.</summary>
    public PodTemplateDocument? PodTemplate { get; set; }

    /// <summary>Conditions that must all hold for the task to run; else it is Skipped.</summary>
    public List<WhenDocument?>? When { get; set; }

    /// <summary>True: the task's failure does not fail its stage (the run can still succeed; the failure is marked).</summary>
    public bool? AllowFailure { get; set; }
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
