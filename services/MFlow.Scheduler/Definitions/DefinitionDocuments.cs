using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Definitions;

/// <summary>Checks both kinds of definition share.</summary>
public static class DefinitionDocuments
{
    /// <summary>The parts of a unique name &lt;name&gt;@&lt;namespace&gt;.&lt;domain&gt;:&lt;version&gt;.</summary>
    public static void CheckIdentity(ValidationErrors errors, string? name, string? @namespace, string? domain, string? version)
    {
        if (!DefinitionName.IsValidPart(name))
            errors.Add("name", $"'{TextRules.Shown(name)}' is not a valid name: lowercase letters, digits and '-' (a DNS-1123 label).");
        if (!DefinitionName.IsValidPart(@namespace))
            errors.Add("namespace", $"'{TextRules.Shown(@namespace)}' is not a valid namespace: lowercase letters, digits and '-'.");
        if (!DefinitionName.IsValidPart(domain))
            errors.Add("domain", $"'{TextRules.Shown(domain)}' is not a valid domain: lowercase letters, digits and '-'.");
        if (!DefinitionName.IsValidVersion(version))
            errors.Add("version", string.Equals(version, DefinitionName.Latest, StringComparison.OrdinalIgnoreCase)
                ? $"'{version}' is reserved: 'latest' names the newest published version in a reference (in any case); a definition needs a version of its own."
                : $"'{TextRules.Shown(version)}' is not a valid version: letters, digits, '.', '_' and '-'.");
    }

    /// <summary>Labels follow Kubernetes' rules, so they read the same everywhere.</summary>
    public static void CheckLabels(ValidationErrors errors, IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (!KubernetesNames.IsLabelKey(key) || !KubernetesNames.IsLabelValue(value))
                errors.Add($"labels.{key}", $"'{TextRules.Shown(key)}={TextRules.Shown(value)}' is not a valid label.");
        }
    }
}
