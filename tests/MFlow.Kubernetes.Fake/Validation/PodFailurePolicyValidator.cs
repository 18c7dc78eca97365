using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>The apiserver's checks of a Job's <c>spec.podFailurePolicy</c> (batch validation, Kubernetes 1.31+), with its messages.</summary>
internal static class PodFailurePolicyValidator
{
    private const int MaxRules = 20;
    private const int MaxPatterns = 20;
    private const int MaxExitCodes = 255;
    private static readonly string[] Actions = ["Count", "FailIndex", "FailJob", "Ignore"];
    private static readonly string[] Operators = ["In", "NotIn"];
    private static readonly string[] Statuses = ["False", "True", "Unknown"];

    public static void Validate(JsonObject policy, JsonObject? podSpec, JsonObject? jobSpec, List<FieldError> errors)
    {
        const string path = "spec.podFailurePolicy.rules";
        var rules = TypedReader.Array(policy, "rules", path) ?? [];
        if (rules.Count > MaxRules)
        {
            errors.Add(FieldError.TooMany(path, rules.Count, MaxRules));
        }

        var containers = new[] { "containers", "initContainers" }
            .SelectMany(property => podSpec?[property] as JsonArray ?? [])
            .Select(container => KubeJson.String(container?["name"]) ?? "")
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            Rule(rules[i] as JsonObject ?? [], $"{path}[{i}]", containers, jobSpec, errors);
        }
    }

    private static void Rule(JsonObject rule, string path, HashSet<string> containers, JsonObject? jobSpec, List<FieldError> errors)
    {
        var action = TypedReader.String(rule, "action", $"{path}.action") ?? "";
        if (action.Length == 0)
        {
            errors.Add(FieldError.Required($"{path}.action", $"valid values: {Quoted(Actions)}"));
        }
        else if (action == "FailIndex" && jobSpec?["backoffLimitPerIndex"] is null)
        {
            errors.Add(FieldError.Invalid($"{path}.action", action, "requires the backoffLimitPerIndex to be set"));
        }
        else if (!Actions.Contains(action))
        {
            errors.Add(FieldError.NotSupported($"{path}.action", action, Actions));
        }

        var onExitCodes = TypedReader.Object(rule, "onExitCodes", $"{path}.onExitCodes");
        var onPodConditions = TypedReader.Array(rule, "onPodConditions", $"{path}.onPodConditions") ?? [];
        if (onExitCodes is not null)
        {
            ExitCodes(onExitCodes, $"{path}.onExitCodes", containers, errors);
        }

        if (onPodConditions.Count > 0)
        {
            PodConditions(onPodConditions, $"{path}.onPodConditions", errors);
        }

        if (onExitCodes is not null && onPodConditions.Count > 0)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, FieldError.OmitValue, "specifying both OnExitCodes and OnPodConditions is not supported"));
        }

        if (onExitCodes is null && onPodConditions.Count == 0)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, path, FieldError.OmitValue, "specifying one of OnExitCodes and OnPodConditions is required"));
        }
    }

    private static void ExitCodes(JsonObject requirement, string path, HashSet<string> containers, List<FieldError> errors)
    {
        var @operator = TypedReader.String(requirement, "operator", $"{path}.operator") ?? "";
        if (@operator.Length == 0)
        {
            errors.Add(FieldError.Required($"{path}.operator", $"valid values: {Quoted(Operators)}"));
        }
        else if (!Operators.Contains(@operator))
        {
            errors.Add(FieldError.NotSupported($"{path}.operator", @operator, Operators));
        }

        if (TypedReader.String(requirement, "containerName", $"{path}.containerName") is { } container && !containers.Contains(container))
        {
            errors.Add(FieldError.Invalid($"{path}.containerName", container, "must be one of the container or initContainer names in the pod template"));
        }

        var values = (TypedReader.Array(requirement, "values", $"{path}.values") ?? []).Select(v => KubeJson.Integer(v) ?? 0).ToList();
        if (values.Count == 0)
        {
            errors.Add(FieldError.Invalid($"{path}.values", new GoList(values), "at least one value is required"));
            return;
        }

        if (values.Count > MaxExitCodes)
        {
            errors.Add(FieldError.TooMany($"{path}.values", values.Count, MaxExitCodes));
            return;
        }

        var seen = new HashSet<long>();
        var ordered = true;
        for (var j = 0; j < values.Count; j++)
        {
            if (@operator == "In" && values[j] == 0)
            {
                errors.Add(FieldError.Invalid($"{path}.values[{j}]", values[j], "must not be 0 for the In operator"));
            }

            if (!seen.Add(values[j]))
            {
                errors.Add(FieldError.Duplicate($"{path}.values[{j}]", values[j]));
            }

            if (j > 0 && values[j - 1] > values[j])
            {
                ordered = false;
            }
        }

        if (!ordered)
        {
            errors.Add(FieldError.Invalid($"{path}.values", new GoList(values), "must be ordered"));
        }
    }

    private static void PodConditions(JsonArray patterns, string path, List<FieldError> errors)
    {
        if (patterns.Count > MaxPatterns)
        {
            errors.Add(FieldError.TooMany(path, patterns.Count, MaxPatterns));
        }

        for (var j = 0; j < patterns.Count; j++)
        {
            var pattern = patterns[j] as JsonObject ?? [];
            var type = TypedReader.String(pattern, "type", $"{path}[{j}].type") ?? "";
            foreach (var problem in NameRules.QualifiedName(type))
            {
                errors.Add(FieldError.Invalid($"{path}[{j}].type", type, problem));
            }

            var status = TypedReader.String(pattern, "status", $"{path}[{j}].status") ?? "";
            if (status.Length == 0)
            {
                errors.Add(FieldError.Required($"{path}[{j}].status", $"valid values: {Quoted(Statuses)}"));
            }
            else if (!Statuses.Contains(status))
            {
                errors.Add(FieldError.NotSupported($"{path}[{j}].status", status, Statuses));
            }
        }
    }

    private static string Quoted(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(FieldError.Quote)) + "]";

    /// <summary>The exit codes as a field error prints them (Go's %#v of an []int32): []int32{2, 1}.</summary>
    private sealed record GoList(IReadOnlyList<long> Values)
    {
        public override string ToString() => "[]int32{" + string.Join(", ", Values) + "}";
    }
}
