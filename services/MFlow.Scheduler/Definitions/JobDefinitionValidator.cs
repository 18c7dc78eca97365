using MFlow.Contracts;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Definitions;

/// <summary>Checks a job definition, naming every offending field.</summary>
public static partial class JobDefinitionValidator
{
    /// <summary>The runner params a job may declare: they choose where its Job acts.</summary>
    public static readonly IReadOnlySet<string> RunnerParams = new HashSet<string> { "CLUSTER", "KUBECONFIG", "NAMESPACE" };

    /// <summary>Validates; throws <see cref="PipelineValidationException"/> listing every problem.</summary>
    public static void Validate(JobDefinitionDocument job)
    {
        var errors = new ValidationErrors();
        DefinitionDocuments.CheckIdentity(errors, job.Name, job.Namespace, job.Domain, job.Version);
        if (string.IsNullOrWhiteSpace(job.Kind))
            errors.Add("kind", "A job needs a kind: build, deploy or vm.");
        else if (!PipelineValidator.TryParseKind(job.Kind, out _))
            errors.Add("kind", $"Unknown job kind '{job.Kind}': expected build, deploy or vm.");
        DefinitionDocuments.CheckLabels(errors, job.Labels);
        if (TextRules.CheckText(job.Description) is { } descriptionProblem)
            errors.Add("description", $"The description {descriptionProblem}");

        var declared = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (job.Params?.Count ?? 0); i++)
            CheckParam(errors, $"params[{i}]", job.Params![i], declared);

        if (job.Template is { } template)
        {
            if (template.Container is null)
                errors.Add("template.container", "A template needs a main container.");
            else
                PipelineValidator.CheckContainer(errors, "template.container", template.Container);
            for (var i = 0; i < (template.InitContainers?.Count ?? 0); i++)
                PipelineValidator.CheckContainer(errors, $"template.initContainers[{i}]", template.InitContainers![i]);
            if (template.Retries is < 0 or > 20)
                errors.Add("template.retries", "Retries must be between 0 and 20.");
            if (template.TimeoutSeconds is < 1 or > 7 * 24 * 3600)
                errors.Add("template.timeoutSeconds", "The timeout must be between 1 second and 7 days.");
            var sensitive = (job.Params ?? []).Where(p => p?.Sensitive == true).Select(p => p.Name).ToHashSet();
            foreach (var name in TemplateRenderer.ReferencedParams(template).Distinct())
            {
                if (!declared.Contains(name))
                    errors.Add("template", $"The template uses $(params.{name}), which the job does not declare.");
                else if (sensitive.Contains(name))
                    errors.Add("template", $"The template uses $(params.{name}), which is sensitive: it would show in the Job's manifest. Use it as an environment variable instead.");
            }
        }

        if (PodTemplates.From(job.PodTemplate) is { } pod)
            PodTemplates.Check(errors, "podTemplate", pod);
        CheckExitCodes(errors, job.NonRetryableExitCodes);

        foreach (var name in job.Rollback?.Optional ?? [])
        {
            if (!declared.Contains(name))
                errors.Add("rollback.optional", $"'{TextRules.Shown(name)}' is not one of the job's params.");
        }

        var specs = (job.Params ?? []).Where(p => p?.Name is not null).GroupBy(p => p!.Name!).ToDictionary(g => g.Key, g => g.First()!);
        foreach (var (name, value) in job.Rollback?.Params ?? [])
        {
            if (!declared.Contains(name))
                errors.Add($"rollback.params.{name}", $"'{TextRules.Shown(name)}' is not one of the job's params.");
            else if (value is null || ParamValues.Check(specs[name], value) is not null)
                errors.Add($"rollback.params.{name}", value is null ? "A rollback value cannot be empty (null)." : $"The rollback value {ParamValues.Check(specs[name], value)}");
        }

        errors.ThrowIfAny();
    }

    static void CheckParam(ValidationErrors errors, string path, ParamSpec? param, HashSet<string> declared)
    {
        if (param is null)
        {
            errors.Add(path, "A param cannot be empty.");
            return;
        }

        if (string.IsNullOrWhiteSpace(param.Name) || !TextRules.IsParamName(param.Name))
        {
            errors.Add($"{path}.name", $"'{TextRules.Shown(param.Name)}' is not a valid param name: letters, digits and '_', not starting with a digit, at most {TextRules.MaxParamNameLength} characters.");
            return;
        }

        path = $"params.{param.Name}";
        if (!declared.Add(param.Name))
            errors.Add(path, $"The param '{param.Name}' is declared twice.");

        var usage = param.ParsedUsage;
        if (usage == ParamUsage.Unknown)
            errors.Add($"{path}.usage", $"Unknown usage '{param.Usage}': expected env, template, runner or system.");
        if (usage == ParamUsage.System && !SystemVariables.IsSystemVariable(param.Name))
            errors.Add($"{path}.name", $"A system variable's name starts with '_' (or is {SystemVariables.TraceParent}).");
        if (usage != ParamUsage.System && SystemVariables.IsSystemVariable(param.Name))
            errors.Add($"{path}.name", $"Names starting with '_', and {SystemVariables.TraceParent}, are reserved for system variables (usage: system).");
        if (usage == ParamUsage.System && param.Default is not null)
            errors.Add($"{path}.default", "A system variable's value is injected by the runner; it has no default.");
        if (usage == ParamUsage.Runner && !RunnerParams.Contains(param.Name))
            errors.Add($"{path}.name", $"A runner param is one of {string.Join(", ", RunnerParams)}.");

        switch (param.ParsedType)
        {
            case ParamValueType.Unknown:
                errors.Add($"{path}.type", $"Unknown type '{param.Type}': expected text, boolean, enum, urlOptions, secret or configMap.");
                break;
            case ParamValueType.Enum when (param.Options?.Count ?? 0) == 0:
                errors.Add($"{path}.options", "An enum needs its options.");
                break;
            case ParamValueType.UrlOptions when !Uri.TryCreate(param.OptionsUrl, UriKind.Absolute, out _):
                errors.Add($"{path}.optionsUrl", "A urlOptions param needs the absolute URL its options come from.");
                break;
        }

        if (param.Default is { } value && ParamValues.Check(param, value) is { } problem)
            errors.Add($"{path}.default", problem);
        if (TextRules.CheckText(param.Description) is { } descriptionProblem)
            errors.Add($"{path}.description", $"The description {descriptionProblem}");
        if (TextRules.CheckLine(param.OptionsUrl, 2000) is { } urlProblem)
            errors.Add($"{path}.optionsUrl", $"The URL {urlProblem}");
        for (var i = 0; i < (param.Options?.Count ?? 0); i++)
        {
            if (param.Options![i] is not { } option || TextRules.CheckLine(option, ParamValues.MaxValueLength) is not null)
                errors.Add($"{path}.options[{i}]", "An option is a one-line value without control characters.");
        }
        if (param.ReadOnly && param.Default is null && usage != ParamUsage.System)
            errors.Add($"{path}.default", "A read-only param needs a default: nothing else may set it.");
    }

    // As Kubernetes checks a podFailurePolicy's onExitCodes (the rule MFlow makes of them): 0 would
    // fail every successful pod, at most 255 values, no repeats.
    static void CheckExitCodes(ValidationErrors errors, List<int>? codes)
    {
        if (codes is null)
            return;
        if (codes.Count > 255)
            errors.Add("nonRetryableExitCodes", "At most 255 exit codes.");
        for (var i = 0; i < Math.Min(codes.Count, 256); i++)
        {
            if (codes[i] is < 1 or > 255)
                errors.Add($"nonRetryableExitCodes[{i}]", $"{codes[i]} is not an exit code that fails a container: use 1 to 255.");
            else if (codes.IndexOf(codes[i]) < i)
                errors.Add($"nonRetryableExitCodes[{i}]", $"{codes[i]} is listed twice.");
        }
    }
}
