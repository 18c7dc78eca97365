using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Kubernetes.Naming;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// A task's <see cref="PodTemplate"/>: from its document, the job's and the task's merged, and checked
/// as the API server would check it (so a bad one is refused with the field's name when the pipeline
/// or job is saved or run, not as a failed task), with MFlow's own labels protected.
/// </summary>
public static class PodTemplates
{
    /// <summary>The most the annotations of one object may hold, as the API server counts it.</summary>
    public const int MaxAnnotationBytes = 256 * 1024;

    static readonly HashSet<string> Operators = ["Equal", "Exists"];
    static readonly HashSet<string> Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    static readonly HashSet<string> NodeOperators = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
    static readonly HashSet<string> LabelOperators = ["In", "NotIn", "Exists", "DoesNotExist"];
    static readonly HashSet<string> StandardResources = ["cpu", "memory", "ephemeral-storage"];

    // Kubernetes' Affinity read as the API server reads it: a field it does not know is an error.
    static readonly JsonSerializerOptions AffinityOptions = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, MaxDepth = 32 };

    /// <summary>The template a document describes; null when there is none.</summary>
    public static PodTemplate? From(PodTemplateDocument? document) => document is null ? null : new PodTemplate
    {
        NodeSelector = document.NodeSelector ?? [],
        Tolerations = (document.Tolerations ?? []).Select(t => new PodToleration
        {
            Key = t?.Key, Operator = t?.Operator, Value = t?.Value, Effect = t?.Effect, TolerationSeconds = t?.TolerationSeconds,
        }).ToList(),
        AffinityJson = document.Affinity?.ToJsonString(),
        ImagePullSecrets = document.ImagePullSecrets ?? [],
        ServiceAccountName = document.ServiceAccountName,
        Resources = document.Resources is { } resources ? new ContainerResources { Requests = resources.Requests ?? [], Limits = resources.Limits ?? [] } : null,
        PriorityClassName = document.PriorityClassName,
        Labels = document.Labels ?? [],
        Annotations = document.Annotations ?? [],
        TtlSecondsAfterFinished = document.TtlSecondsAfterFinished,
    };

    /// <summary>The task's template over its job's: maps merge by key and lists add up; the task's value wins.</summary>
    public static PodTemplate? Merge(PodTemplate? job, PodTemplate? task) => (job, task) switch
    {
        (null, _) => task,
        (_, null) => job,
        _ => new PodTemplate
        {
            NodeSelector = Merge(job.NodeSelector, task.NodeSelector),
            Tolerations = [.. job.Tolerations.Union(task.Tolerations)],
            AffinityJson = task.AffinityJson ?? job.AffinityJson,
            ImagePullSecrets = [.. job.ImagePullSecrets.Union(task.ImagePullSecrets, StringComparer.Ordinal)],
            ServiceAccountName = task.ServiceAccountName ?? job.ServiceAccountName,
            Resources = (job.Resources, task.Resources) switch
            {
                (null, var only) => only,
                (var only, null) => only,
                var (under, over) => new ContainerResources { Requests = Merge(under.Requests, over.Requests), Limits = Merge(under.Limits, over.Limits) },
            },
            PriorityClassName = task.PriorityClassName ?? job.PriorityClassName,
            Labels = Merge(job.Labels, task.Labels),
            Annotations = Merge(job.Annotations, task.Annotations),
            TtlSecondsAfterFinished = task.TtlSecondsAfterFinished ?? job.TtlSecondsAfterFinished,
        },
    };

    /// <summary>Whether a label key is MFlow's own or the Job controller's: a task cannot set it.</summary>
    public static bool IsReservedLabel(string key) =>
        key is "app.kubernetes.io/managed-by" or "job-name" or "controller-uid" || IsMFlowKey(key) || Prefix(key) is { } prefix && (prefix == "batch.kubernetes.io");

    /// <summary>Adds an error for everything wrong with <paramref name="template"/>, under <paramref name="path"/>.</summary>
    public static void Check(ValidationErrors errors, string path, PodTemplate template)
    {
        foreach (var (key, value) in template.NodeSelector)
        {
            if (!KubernetesNames.IsLabelKey(key) || !KubernetesNames.IsLabelValue(value))
                errors.Add($"{path}.nodeSelector", $"'{key}: {value}' is not a valid node label (key: optional DNS prefix and '/', then 1-63 of [-A-Za-z0-9_.]; value: at most 63 of those).");
        }

        for (var i = 0; i < template.Tolerations.Count; i++)
            CheckToleration(errors, $"{path}.tolerations[{i}]", template.Tolerations[i]);
        if (template.AffinityJson is { } affinity)
            CheckAffinity(errors, $"{path}.affinity", affinity);
        foreach (var name in template.ImagePullSecrets)
        {
            if (!KubernetesNames.IsDns1123Subdomain(name))
                errors.Add($"{path}.imagePullSecrets", $"'{name}' is not a valid Secret name.");
        }

        if (template.ServiceAccountName is { } account && !KubernetesNames.IsDns1123Subdomain(account))
            errors.Add($"{path}.serviceAccountName", $"'{account}' is not a valid service account name.");
        if (template.PriorityClassName is { } priority && !KubernetesNames.IsDns1123Subdomain(priority))
            errors.Add($"{path}.priorityClassName", $"'{priority}' is not a valid priority class name.");
        if (template.Resources is { } resources)
            CheckResources(errors, $"{path}.resources", resources);
        if (template.TtlSecondsAfterFinished is < 0)
            errors.Add($"{path}.ttlSecondsAfterFinished", "It cannot be negative.");

        foreach (var (key, value) in template.Labels)
        {
            if (IsReservedLabel(key))
                errors.Add($"{path}.labels", $"The label '{key}' is MFlow's own or the Job controller's (it ties the Job and its pods to their run and task): a task cannot set it.");
            else if (!KubernetesNames.IsLabelKey(key) || !KubernetesNames.IsLabelValue(value))
                errors.Add($"{path}.labels", $"'{key}: {value}' is not a valid label (key: optional DNS prefix and '/', then 1-63 of [-A-Za-z0-9_.]; value: at most 63 of those).");
        }

        foreach (var key in template.Annotations.Keys)
        {
            if (IsMFlowKey(key))
                errors.Add($"{path}.annotations", $"The annotation '{key}' is MFlow's own: a task cannot set it.");
            else if (!KubernetesNames.IsLabelKey(key))
                errors.Add($"{path}.annotations", $"'{key}' is not a valid annotation key.");
        }

        if (template.Annotations.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + Encoding.UTF8.GetByteCount(a.Value)) > MaxAnnotationBytes)
            errors.Add($"{path}.annotations", $"The annotations hold more than {MaxAnnotationBytes / 1024} KiB, which Kubernetes refuses.");
    }

    static void CheckToleration(ValidationErrors errors, string path, PodToleration toleration)
    {
        var exists = toleration.Operator == "Exists";
        if (toleration.Operator is { Length: > 0 } op && !Operators.Contains(op))
            errors.Add($"{path}.operator", $"'{op}' is not Equal or Exists.");
        if (toleration.Effect is { Length: > 0 } effect && !Effects.Contains(effect))
            errors.Add($"{path}.effect", $"'{effect}' is not NoSchedule, PreferNoSchedule or NoExecute.");
        if (string.IsNullOrEmpty(toleration.Key) ? !exists : !KubernetesNames.IsLabelKey(toleration.Key))
            errors.Add($"{path}.key", string.IsNullOrEmpty(toleration.Key) ? "A toleration without a key needs operator Exists (it tolerates every taint)." : $"'{toleration.Key}' is not a valid taint key.");
        if (exists && !string.IsNullOrEmpty(toleration.Value))
            errors.Add($"{path}.value", "A toleration with operator Exists has no value.");
        else if (toleration.Value is { } value && !KubernetesNames.IsLabelValue(value))
            errors.Add($"{path}.value", $"'{value}' is not a valid taint value.");
        if (toleration.TolerationSeconds is not null && toleration.Effect != "NoExecute")
            errors.Add($"{path}.tolerationSeconds", "Only a NoExecute toleration has tolerationSeconds.");
    }

    static void CheckResources(ValidationErrors errors, string path, ContainerResources resources)
    {
        var requests = Quantities(errors, $"{path}.requests", resources.Requests);
        var limits = Quantities(errors, $"{path}.limits", resources.Limits);
        foreach (var (name, request) in requests)
        {
            if (limits.TryGetValue(name, out var limit) && request > limit)
                errors.Add($"{path}.requests.{name}", $"The request {resources.Requests[name]} is more than the limit {resources.Limits[name]}.");
        }
    }

    static Dictionary<string, decimal> Quantities(ValidationErrors errors, string path, IReadOnlyDictionary<string, string> values)
    {
        var parsed = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (name, text) in values)
        {
            if (!StandardResources.Contains(name) && !name.StartsWith("hugepages-", StringComparison.Ordinal) && !(name.Contains('/') && KubernetesNames.IsLabelKey(name)))
                errors.Add($"{path}.{name}", $"'{name}' is not a resource: cpu, memory, ephemeral-storage, hugepages-<size> or a qualified extended resource (nvidia.com/gpu).");
            else if (Quantity(text) is not { } amount || amount < 0)
                errors.Add($"{path}.{name}", $"'{text}' is not a quantity such as 500m, 2, 512Mi or 1Gi.");
            else
                parsed[name] = amount;
        }

        return parsed;
    }

    static decimal? Quantity(string text)
    {
        try
        {
            // The client's parser is lenient with surrounding space; the API server is not.
            return text.Trim() == text && text.Length > 0 ? new ResourceQuantity(text).ToDecimal() : null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    static void CheckAffinity(ValidationErrors errors, string path, string json)
    {
        V1Affinity? affinity;
        try
        {
            affinity = JsonSerializer.Deserialize<V1Affinity>(json, AffinityOptions);
        }
        catch (JsonException ex)
        {
            errors.Add(path, $"Not a Kubernetes Affinity ({ex.Path}): {Readable(ex.Message)}");
            return;
        }

        if (affinity?.NodeAffinity is { } node)
        {
            if (node.RequiredDuringSchedulingIgnoredDuringExecution is { } required)
            {
                if (required.NodeSelectorTerms is not { Count: > 0 })
                    errors.Add($"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms", "At least one term is needed.");
                for (var i = 0; i < (required.NodeSelectorTerms?.Count ?? 0); i++)
                    CheckNodeTerm(errors, $"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{i}]", required.NodeSelectorTerms![i]);
            }

            for (var i = 0; i < (node.PreferredDuringSchedulingIgnoredDuringExecution?.Count ?? 0); i++)
            {
                var preferred = node.PreferredDuringSchedulingIgnoredDuringExecution![i];
                CheckWeight(errors, $"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].weight", preferred.Weight);
                CheckNodeTerm(errors, $"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].preference", preferred.Preference);
            }
        }

        foreach (var (name, terms, weighted) in new[]
        {
            ("podAffinity", affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution, affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution),
            ("podAntiAffinity", affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution, affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution),
        })
        {
            for (var i = 0; i < (terms?.Count ?? 0); i++)
                CheckPodTerm(errors, $"{path}.{name}.requiredDuringSchedulingIgnoredDuringExecution[{i}]", terms![i]);
            for (var i = 0; i < (weighted?.Count ?? 0); i++)
            {
                CheckWeight(errors, $"{path}.{name}.preferredDuringSchedulingIgnoredDuringExecution[{i}].weight", weighted![i].Weight);
                CheckPodTerm(errors, $"{path}.{name}.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm", weighted[i].PodAffinityTerm);
            }
        }
    }

    static void CheckNodeTerm(ValidationErrors errors, string path, V1NodeSelectorTerm? term)
    {
        foreach (var (field, requirements) in new[] { ("matchExpressions", term?.MatchExpressions), ("matchFields", term?.MatchFields) })
        {
            for (var i = 0; i < (requirements?.Count ?? 0); i++)
            {
                var requirement = requirements![i];
                CheckRequirement(errors, $"{path}.{field}[{i}]", requirement?.Key, requirement?.OperatorProperty, requirement?.Values, NodeOperators);
                if (requirement?.OperatorProperty is "Gt" or "Lt" && (requirement.Values is not { Count: 1 } || !long.TryParse(requirement.Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
                    errors.Add($"{path}.{field}[{i}].values", "Gt and Lt take exactly one whole number.");
            }
        }
    }

    static void CheckPodTerm(ValidationErrors errors, string path, V1PodAffinityTerm? term)
    {
        if (string.IsNullOrEmpty(term?.TopologyKey) || !KubernetesNames.IsLabelKey(term.TopologyKey))
            errors.Add($"{path}.topologyKey", "A pod affinity term needs a topologyKey (e.g. kubernetes.io/hostname).");
        var expressions = term?.LabelSelector?.MatchExpressions;
        for (var i = 0; i < (expressions?.Count ?? 0); i++)
            CheckRequirement(errors, $"{path}.labelSelector.matchExpressions[{i}]", expressions![i]?.Key, expressions[i]?.OperatorProperty, expressions[i]?.Values, LabelOperators);
    }

    static void CheckRequirement(ValidationErrors errors, string path, string? key, string? op, IList<string>? values, HashSet<string> operators)
    {
        if (!KubernetesNames.IsLabelKey(key))
            errors.Add($"{path}.key", $"'{key}' is not a valid label key.");
        if (op is null || !operators.Contains(op))
            errors.Add($"{path}.operator", $"'{op}' is not one of {string.Join(", ", operators)}.");
        else if (op is "In" or "NotIn" && values is not { Count: > 0 })
            errors.Add($"{path}.values", $"{op} needs values.");
        else if (op is "Exists" or "DoesNotExist" && values is { Count: > 0 })
            errors.Add($"{path}.values", $"{op} takes no values.");
    }

    static void CheckWeight(ValidationErrors errors, string path, int weight)
    {
        if (weight is < 1 or > 100)
            errors.Add(path, "A weight is between 1 and 100.");
    }

    static bool IsMFlowKey(string key) => Prefix(key) is { } prefix && (prefix == "mflow.dev" || prefix.EndsWith(".mflow.dev", StringComparison.Ordinal));

    static string? Prefix(string key) => key.IndexOf('/') is > 0 and var slash ? key[..slash] : null;

    // System.Text.Json names .NET types; the user wrote YAML fields.
    static string Readable(string message) => message.Replace("k8s.Models.V1", "", StringComparison.Ordinal).Split(" Path:", 2)[0];

    static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> under, IReadOnlyDictionary<string, string> over)
    {
        var merged = new Dictionary<string, string>(under, StringComparer.Ordinal);
        foreach (var (key, value) in over)
            merged[key] = value;
        return merged;
    }
}
