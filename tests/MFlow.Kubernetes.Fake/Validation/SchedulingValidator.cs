using System.Globalization;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>
/// Validation of where a pod may run and as whom, as the apiserver does it: nodeSelector, tolerations,
/// affinity, imagePullSecrets, serviceAccountName, priorityClassName.
/// </summary>
internal static class SchedulingValidator
{
    private static readonly string[] _tolerationOperators = ["Equal", "Exists"];
    private static readonly string[] _taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    private static readonly string[] _nodeOperators = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
    private static readonly string[] _labelOperators = ["In", "NotIn", "Exists", "DoesNotExist"];

    public static void Validate(JsonObject? spec, string path, List<FieldError> errors)
    {
        MetadataValidator.ValidateLabels(TypedReader.StringMap(spec, "nodeSelector", $"{path}.nodeSelector"), $"{path}.nodeSelector", errors);
        foreach (var field in new[] { "serviceAccountName", "priorityClassName" })
        {
            if (TypedReader.String(spec, field, $"{path}.{field}") is { Length: > 0 } name)
            {
                errors.AddRange(NameRules.Dns1123Subdomain(name).Select(message => FieldError.Invalid($"{path}.{field}", name, message)));
            }
        }

        var pullSecrets = TypedReader.Objects(spec, "imagePullSecrets", $"{path}.imagePullSecrets");
        for (var i = 0; i < pullSecrets.Count; i++)
        {
            if (string.IsNullOrEmpty(TypedReader.String(pullSecrets[i], "name", $"{path}.imagePullSecrets[{i}].name")))
            {
                errors.Add(FieldError.Required($"{path}.imagePullSecrets[{i}].name"));
            }
        }

        var tolerations = TypedReader.Objects(spec, "tolerations", $"{path}.tolerations");
        for (var i = 0; i < tolerations.Count; i++)
        {
            ValidateToleration(tolerations[i], $"{path}.tolerations[{i}]", errors);
        }

        ValidateAffinity(TypedReader.Object(spec, "affinity", $"{path}.affinity"), $"{path}.affinity", errors);
    }

    private static void ValidateToleration(JsonObject toleration, string path, List<FieldError> errors)
    {
        var key = TypedReader.String(toleration, "key", $"{path}.key") ?? "";
        var op = TypedReader.String(toleration, "operator", $"{path}.operator") ?? "";
        var value = TypedReader.String(toleration, "value", $"{path}.value") ?? "";
        var effect = TypedReader.String(toleration, "effect", $"{path}.effect") ?? "";
        if (key.Length > 0)
        {
            errors.AddRange(NameRules.QualifiedName(key).Select(message => FieldError.Invalid($"{path}.key", key, message)));
        }
        else if (op != "Exists")
        {
            errors.Add(FieldError.Invalid($"{path}.operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
        }

        switch (op)
        {
            case "" or "Equal":
                errors.AddRange(NameRules.LabelValue(value).Select(message => FieldError.Invalid($"{path}.value", value, message)));
                break;
            case "Exists" when value.Length > 0:
                errors.Add(FieldError.Invalid($"{path}.operator", toleration, "value must be empty when `operator` is 'Exists'"));
                break;
            case "Exists":
                break;
            default:
                errors.Add(FieldError.NotSupported($"{path}.operator", op, _tolerationOperators));
                break;
        }

        if (effect.Length > 0 && !_taintEffects.Contains(effect))
        {
            errors.Add(FieldError.NotSupported($"{path}.effect", effect, _taintEffects));
        }

        if (TypedReader.Integer(toleration, "tolerationSeconds", $"{path}.tolerationSeconds") is not null && effect != "NoExecute")
        {
            errors.Add(FieldError.Invalid($"{path}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
        }
    }

    private static void ValidateAffinity(JsonObject? affinity, string path, List<FieldError> errors)
    {
        var node = TypedReader.Object(affinity, "nodeAffinity", $"{path}.nodeAffinity");
        var required = TypedReader.Object(node, "requiredDuringSchedulingIgnoredDuringExecution", $"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
        if (required is not null)
        {
            var termsPath = $"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
            var terms = TypedReader.Objects(required, "nodeSelectorTerms", termsPath);
            if (terms.Count == 0)
            {
                errors.Add(FieldError.Required(termsPath, "must have at least one node selector term"));
            }

            for (var i = 0; i < terms.Count; i++)
            {
                ValidateNodeTerm(terms[i], $"{termsPath}[{i}]", errors);
            }
        }

        var preferred = TypedReader.Objects(node, "preferredDuringSchedulingIgnoredDuringExecution", $"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution");
        for (var i = 0; i < preferred.Count; i++)
        {
            var termPath = $"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]";
            ValidateWeight(preferred[i], termPath, errors);
            ValidateNodeTerm(TypedReader.Object(preferred[i], "preference", $"{termPath}.preference") ?? [], $"{termPath}.preference", errors);
        }

        foreach (var kind in new[] { "podAffinity", "podAntiAffinity" })
        {
            var pod = TypedReader.Object(affinity, kind, $"{path}.{kind}");
            var hard = TypedReader.Objects(pod, "requiredDuringSchedulingIgnoredDuringExecution", $"{path}.{kind}.requiredDuringSchedulingIgnoredDuringExecution");
            for (var i = 0; i < hard.Count; i++)
            {
                ValidatePodTerm(hard[i], $"{path}.{kind}.requiredDuringSchedulingIgnoredDuringExecution[{i}]", errors);
            }

            var soft = TypedReader.Objects(pod, "preferredDuringSchedulingIgnoredDuringExecution", $"{path}.{kind}.preferredDuringSchedulingIgnoredDuringExecution");
            for (var i = 0; i < soft.Count; i++)
            {
                var termPath = $"{path}.{kind}.preferredDuringSchedulingIgnoredDuringExecution[{i}]";
                ValidateWeight(soft[i], termPath, errors);
                ValidatePodTerm(TypedReader.Object(soft[i], "podAffinityTerm", $"{termPath}.podAffinityTerm") ?? [], $"{termPath}.podAffinityTerm", errors);
            }
        }
    }

    private static void ValidateNodeTerm(JsonObject term, string path, List<FieldError> errors)
    {
        foreach (var field in new[] { "matchExpressions", "matchFields" })
        {
            var requirements = TypedReader.Objects(term, field, $"{path}.{field}");
            for (var i = 0; i < requirements.Count; i++)
            {
                var requirementPath = $"{path}.{field}[{i}]";
                var (op, values) = ValidateRequirement(requirements[i], requirementPath, _nodeOperators, errors);
                if (op is "Gt" or "Lt" && (values.Count != 1 || !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
                {
                    errors.Add(FieldError.Required($"{requirementPath}.values", "must be specified single value when `operator` is 'Lt' or 'Gt'"));
                }
            }
        }
    }

    private static void ValidatePodTerm(JsonObject term, string path, List<FieldError> errors)
    {
        var topologyKey = TypedReader.String(term, "topologyKey", $"{path}.topologyKey") ?? "";
        if (topologyKey.Length == 0)
        {
            errors.Add(FieldError.Required($"{path}.topologyKey", "can not be empty"));
        }
        else
        {
            errors.AddRange(NameRules.QualifiedName(topologyKey).Select(message => FieldError.Invalid($"{path}.topologyKey", topologyKey, message)));
        }

        var selector = TypedReader.Object(term, "labelSelector", $"{path}.labelSelector");
        MetadataValidator.ValidateLabels(TypedReader.StringMap(selector, "matchLabels", $"{path}.labelSelector.matchLabels"), $"{path}.labelSelector.matchLabels", errors);
        var expressions = TypedReader.Objects(selector, "matchExpressions", $"{path}.labelSelector.matchExpressions");
        for (var i = 0; i < expressions.Count; i++)
        {
            ValidateRequirement(expressions[i], $"{path}.labelSelector.matchExpressions[{i}]", _labelOperators, errors);
        }
    }

    private static (string Operator, List<string> Values) ValidateRequirement(JsonObject requirement, string path, string[] operators, List<FieldError> errors)
    {
        var key = TypedReader.String(requirement, "key", $"{path}.key") ?? "";
        errors.AddRange(NameRules.QualifiedName(key).Select(message => FieldError.Invalid($"{path}.key", key, message)));
        var op = TypedReader.String(requirement, "operator", $"{path}.operator") ?? "";
        var values = (TypedReader.Array(requirement, "values", $"{path}.values") ?? [])
            .Select((value, i) => value is null ? "" : KubeJson.String(value) ?? throw DecodeException.WrongType(value, $"{path}.values[{i}]", "string"))
            .ToList();
        if (!operators.Contains(op))
        {
            errors.Add(FieldError.NotSupported($"{path}.operator", op, operators));
        }
        else if (op is "In" or "NotIn" && values.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        else if (op is "Exists" or "DoesNotExist" && values.Count > 0)
        {
            errors.Add(FieldError.Forbidden($"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        }

        return (op, values);
    }

    private static void ValidateWeight(JsonObject term, string path, List<FieldError> errors)
    {
        if (TypedReader.Integer(term, "weight", $"{path}.weight") is not (>= 1 and <= 100) and var weight)
        {
            errors.Add(FieldError.Invalid($"{path}.weight", weight ?? 0, "must be in the range 1-100"));
        }
    }
}
