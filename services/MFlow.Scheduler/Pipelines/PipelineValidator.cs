using System.Text.RegularExpressions;
using MFlow.Contracts;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Params;

namespace MFlow.Scheduler.Pipelines;

/// <summary>Checks a pipeline document before anything is stored or dispatched, naming every offending field.</summary>
public static partial class PipelineValidator
{
    /// <summary>Most stages a pipeline may have.</summary>
    public const int MaxStages = 100;

    /// <summary>Most tasks a stage may have.</summary>
    public const int MaxTasksPerStage = 100;

    /// <summary>Longest task name: it becomes part of a Kubernetes Job name, which must fit in 63 characters.</summary>
    public const int MaxTaskNameLength = 40;

    /// <summary>Longest image reference.</summary>
    public const int MaxImageLength = 512;

    /// <summary>Validates; throws <see cref="PipelineValidationException"/> listing every problem.</summary>
    public static void Validate(PipelineDocument pipeline, string prefix = "")
    {
        var errors = new ValidationErrors(prefix);
        if (string.IsNullOrWhiteSpace(pipeline.Name))
            errors.Add("name", "A pipeline needs a name.");
        else if (pipeline.Name.Length > TextRules.MaxNameLength)
            errors.Add("name", $"A pipeline name is at most {TextRules.MaxNameLength} characters.");
        else if (TextRules.CheckLine(pipeline.Name) is { } nameProblem)
            errors.Add("name", $"The pipeline name {nameProblem}");
        if (TextRules.CheckText(pipeline.Description) is { } descriptionProblem)
            errors.Add("description", $"The description {descriptionProblem}");

        CheckParams(errors, "params", pipeline.Params);

        if (pipeline.Stages is null || pipeline.Stages.Count == 0)
        {
            errors.Add("stages", "A pipeline needs at least one stage.");
        }
        else if (pipeline.Stages.Count > MaxStages)
        {
            errors.Add("stages", $"A pipeline has at most {MaxStages} stages.");
        }
        else
        {
            var stageNames = new HashSet<string>(StringComparer.Ordinal);
            var taskNames = new HashSet<string>(StringComparer.Ordinal);
            if (pipeline.Finally?.Count > MaxStages)
                errors.Add("finally", $"A pipeline has at most {MaxStages} finally stages.");
            foreach (var (path, stage, _) in pipeline.AllStages().Take(2 * MaxStages))
            {
                var earlier = new HashSet<string>(taskNames, StringComparer.Ordinal);
                CheckStage(errors, path, stage, stageNames, taskNames);
                CheckOutputReferences(errors, path, stage, earlier);
                FlowChecks.Check(errors, path, stage, earlier);
            }

            foreach (var reference in OutputReferences.In((IEnumerable<string>?)pipeline.Params?.Values ?? []))
                errors.Add("params", $"Pipeline-wide params cannot use the output of task '{reference.Task}': only a task's own params can.");
        }

        CheckControl(errors, pipeline);

        errors.ThrowIfAny();
    }

    /// <summary>Validates run-time param values given at <paramref name="path"/>.</summary>
    public static void ValidateRunParams(IReadOnlyDictionary<string, string>? values, string path = "params")
    {
        var errors = new ValidationErrors("");
        CheckParams(errors, path, values);
        errors.ThrowIfAny();
    }

    /// <summary>Validates a run's own values: its params, who and what triggered it, its idempotency key.</summary>
    public static void ValidateRunValues(IReadOnlyDictionary<string, string>? values, string? triggeredBy, string? trigger, string? idempotencyKey)
    {
        var errors = new ValidationErrors("");
        CheckParams(errors, "params", values);
        foreach (var (field, value) in new[] { ("triggeredBy", triggeredBy), ("trigger", trigger), ("idempotencyKey", idempotencyKey) })
        {
            if (TextRules.CheckLine(value, TextRules.MaxNameLength * 2) is { } problem)
                errors.Add(field, $"The {field} {problem}");
        }

        errors.ThrowIfAny();
    }

    /// <summary>Parses a job kind name (build, deploy, vm; any case).</summary>
    public static bool TryParseKind(string? value, out JobKind kind)
    {
        // Not Enum.TryParse: it reads "build,vm" (flags syntax) as vm.
        foreach (var candidate in Enum.GetValues<JobKind>())
        {
            if (string.Equals(candidate.ToString(), value, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    static void CheckStage(ValidationErrors errors, string path, StageDocument? stage, HashSet<string> stageNames, HashSet<string> taskNames)
    {
        if (stage is null)
        {
            errors.Add(path, "A stage cannot be empty.");
            return;
        }

        if (string.IsNullOrWhiteSpace(stage.Name))
            errors.Add($"{path}.name", "A stage needs a name.");
        else if (TextRules.CheckLine(stage.Name, TextRules.MaxNameLength) is { } problem)
            errors.Add($"{path}.name", $"The stage name {problem}");
        else if (!stageNames.Add(stage.Name))
            errors.Add($"{path}.name", $"Another stage is already named '{stage.Name}'.");

        CheckParams(errors, $"{path}.params", stage.Params);
        if (stage.Tasks is null || stage.Tasks.Count == 0)
        {
            errors.Add($"{path}.tasks", "A stage needs at least one task.");
            return;
        }

        if (stage.Tasks.Count > MaxTasksPerStage)
            errors.Add($"{path}.tasks", $"A stage has at most {MaxTasksPerStage} tasks.");
        for (var t = 0; t < stage.Tasks.Count; t++)
            CheckTask(errors, $"{path}.tasks[{t}]", stage.Tasks[t], taskNames);
    }

    static void CheckTask(ValidationErrors errors, string path, TaskDocument? task, HashSet<string> taskNames)
    {
        if (task is null)
        {
            errors.Add(path, "A task cannot be empty.");
            return;
        }

        if (string.IsNullOrWhiteSpace(task.Name))
            errors.Add($"{path}.name", "A task needs a name.");
        else if (task.Name.Length > MaxTaskNameLength || !TaskNamePattern().IsMatch(task.Name))
            errors.Add($"{path}.name", $"'{TextRules.Shown(task.Name)}' is not a valid task name: use at most {MaxTaskNameLength} lowercase letters, digits and '-', starting with a letter and ending with a letter or digit.");
        else if (!taskNames.Add(task.Name))
            errors.Add($"{path}.name", $"Another task is already named '{task.Name}'.");

        if (task.Job is not null)
        {
            if (!Definitions.DefinitionName.TryParse(task.Job, out _))
                errors.Add($"{path}.job", $"'{TextRules.Shown(task.Job)}' is not a job's unique name: <name>@<namespace>.<domain>[:<version>|:latest] (versions are case-sensitive; 'latest' is written in lowercase).");
            if (task.Container is not null || task.InitContainers is not null)
                errors.Add($"{path}.container", "A task that runs a stored job gets its containers from the job; remove 'container' and 'initContainers'.");
            if (task.Kind is not null && !TryParseKind(task.Kind, out _))
                errors.Add($"{path}.kind", $"Unknown job kind '{task.Kind}': expected build, deploy or vm.");
        }
        else if (string.IsNullOrWhiteSpace(task.Kind))
        {
            errors.Add($"{path}.kind", "A task needs a kind (build, deploy or vm), or a stored job to run ('job').");
        }
        else if (!TryParseKind(task.Kind, out _))
        {
            errors.Add($"{path}.kind", $"Unknown job kind '{task.Kind}': expected build, deploy or vm.");
        }

        CheckParams(errors, $"{path}.params", task.Params);
        if (task.Retries is < 0 or > 20)
            errors.Add($"{path}.retries", "Retries must be between 0 and 20.");
        task.RetryBackoff?.Check(errors, $"{path}.retryBackoff");
        if (task.TimeoutSeconds is < 1 or > 7 * 24 * 3600)
            errors.Add($"{path}.timeoutSeconds", "The timeout must be between 1 second and 7 days.");
        if (task.Namespace is not null && !KubernetesNames.IsDns1123Label(task.Namespace))
            errors.Add($"{path}.namespace", $"'{TextRules.Shown(task.Namespace)}' is not a valid Kubernetes namespace name.");
        if (task.Cluster is not null && !KubernetesNames.IsDns1123Label(task.Cluster))
            errors.Add($"{path}.cluster", $"'{TextRules.Shown(task.Cluster)}' is not a valid cluster id.");

        if (PodTemplates.From(task.PodTemplate) is { } pod)
            PodTemplates.Check(errors, $"{path}.podTemplate", pod);

        // Without a container, the task runs its kind's built-in Job, configured by its params.
        if (task.Container is not null)
            CheckContainer(errors, $"{path}.container", task.Container);
        for (var i = 0; i < (task.InitContainers?.Count ?? 0); i++)
            CheckContainer(errors, $"{path}.initContainers[{i}]", task.InitContainers![i]);
    }

    static void CheckOutputReferences(ValidationErrors errors, string path, StageDocument? stage, IReadOnlySet<string> earlierTasks)
    {
        var lists = new List<(string Path, IEnumerable<string> Values)> { ($"{path}.params", (IEnumerable<string>?)stage?.Params?.Values ?? []) };
        for (var t = 0; t < (stage?.Tasks?.Count ?? 0); t++)
            lists.Add(($"{path}.tasks[{t}].params", (IEnumerable<string>?)stage!.Tasks![t]?.Params?.Values ?? []));
        foreach (var (field, values) in lists)
        {
            foreach (var reference in OutputReferences.In(values))
            {
                if (!earlierTasks.Contains(reference.Task))
                    errors.Add(field, $"'{reference.Text}' refers to task '{reference.Task}', which is not in an earlier stage.");
            }
        }
    }

    internal static void CheckContainer(ValidationErrors errors, string path, ContainerDocument? container)
    {
        if (container is null)
        {
            errors.Add(path, "A container cannot be empty.");
            return;
        }

        if (string.IsNullOrWhiteSpace(container.Image))
            errors.Add($"{path}.image", "A container needs an image.");
        else if (container.Image.Any(char.IsWhiteSpace) || container.Image.Any(char.IsControl))
            errors.Add($"{path}.image", "An image reference cannot contain whitespace or control characters.");
        else if (container.Image.Length > MaxImageLength)
            errors.Add($"{path}.image", $"An image reference is at most {MaxImageLength} characters.");
        if ((container.Command?.Count ?? 0) == 0 && (container.Args?.Count ?? 0) == 0)
            errors.Add($"{path}.command", "A container needs a command (or args).");
        foreach (var (field, list) in new[] { ("command", container.Command), ("args", container.Args) })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                // An argv element is handed to exec(), which ends it at a NUL.
                if (list![i] is null)
                    errors.Add($"{path}.{field}[{i}]", "An argument cannot be empty (null); use \"\".");
                else if (TextRules.CheckText(list[i], ParamValues.MaxValueLength) is { } problem)
                    errors.Add($"{path}.{field}[{i}]", $"The argument {problem}");
            }
        }

        if (container.Name is not null && !KubernetesNames.IsDns1123Label(container.Name))
            errors.Add($"{path}.name", $"'{TextRules.Shown(container.Name)}' is not a valid container name (a DNS-1123 label).");
        if (container.WorkingDir is { } workingDir)
        {
            if (TextRules.CheckLine(workingDir, 1000) is { } problem)
                errors.Add($"{path}.workingDir", $"The working directory {problem}");
            else if (workingDir.Replace('\\', '/').Split('/').Contains(".."))
                errors.Add($"{path}.workingDir", "The working directory cannot contain '..': it is a folder inside the task's workspace (or, in a container, an absolute path).");
        }

        foreach (var (name, value) in container.Env ?? [])
        {
            if (!TextRules.IsParamName(name))
                errors.Add($"{path}.env.{name}", $"'{TextRules.Shown(name)}' is not a valid environment variable name: letters, digits and '_', not starting with a digit, at most {TextRules.MaxParamNameLength} characters.");
            else if (name == SystemVariables.TraceParent)
                errors.Add($"{path}.env.{name}", $"'{name}' is set by MFlow to the task's place in its run's trace.");
            else if (name.StartsWith('_'))
                errors.Add($"{path}.env.{name}", $"'{name}' starts with '_', which is reserved for system variables.");
            if (value is not null && TextRules.CheckText(value, ParamValues.MaxValueLength) is { } problem)
                errors.Add($"{path}.env.{name}", $"The value {problem}");
        }
    }

    internal static void CheckParams(ValidationErrors errors, string path, IReadOnlyDictionary<string, string>? values)
    {
        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            if (!TextRules.IsParamName(name))
                errors.Add($"{path}.{name}", $"'{TextRules.Shown(name)}' is not a valid param name: letters, digits and '_', not starting with a digit, at most {TextRules.MaxParamNameLength} characters.");
            else if (SystemVariables.IsSystemVariable(name))
                errors.Add($"{path}.{name}", $"'{name}' is a system variable; it cannot be set.");
            if (value is null)
                errors.Add($"{path}.{name}", "A param needs a value (use \"\" for an empty one).");
            else if (TextRules.CheckText(value, ParamValues.MaxValueLength) is { } problem)
                errors.Add($"{path}.{name}", $"The value of {TextRules.Shown(name)} {problem}");
        }
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex TaskNamePattern();
}
