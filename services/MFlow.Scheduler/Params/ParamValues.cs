using MFlow.Kubernetes.Naming;

namespace MFlow.Scheduler.Params;

/// <summary>Whether a value fits a param's type.</summary>
public static class ParamValues
{
    /// <summary>The largest value a param (or an output) may have.</summary>
    public const int MaxValueLength = 64 * 1024;

    /// <summary>What is wrong with the value, or null when it fits.</summary>
    public static string? Check(ParamSpec spec, string value)
    {
        if (value.Length > MaxValueLength)
            return $"is longer than {MaxValueLength / 1024} KB.";
        if (value.Any(Pipelines.TextRules.IsForbiddenInText))
            return "contains a control character other than tab or a line break (a NUL, escape...), which is not allowed.";
        // A reference to an earlier task's output is checked when it is resolved.
        if (OutputReferences.In([value]).Any())
            return null;

        return spec.ParsedType switch
        {
            ParamValueType.Boolean when !IsBoolean(value) => $"must be true or false, not '{Shown(spec, value)}'.",
            ParamValueType.Enum when !(spec.Options ?? []).Contains(value) =>
                $"must be one of {string.Join(", ", spec.Options ?? [])}, not '{Shown(spec, value)}'.",
            ParamValueType.SecretName when !KubernetesNames.IsDns1123Subdomain(value) =>
                $"'{Shown(spec, value)}' is not a valid Kubernetes Secret name (lowercase letters, digits, '-' and '.').",
            ParamValueType.ConfigMapName when !KubernetesNames.IsDns1123Subdomain(value) =>
                $"'{Shown(spec, value)}' is not a valid Kubernetes ConfigMap name (lowercase letters, digits, '-' and '.').",
            _ => null,
        };
    }

    /// <summary>A value as it may be shown: masked when the param is sensitive.</summary>
    public static string Shown(ParamSpec spec, string value) => spec.Sensitive ? Mask : value.Length > 100 ? value[..100] + "..." : value;

    /// <summary>What a sensitive value is shown as.</summary>
    public const string Mask = "******";

    static bool IsBoolean(string value) => value is "true" or "false";
}
