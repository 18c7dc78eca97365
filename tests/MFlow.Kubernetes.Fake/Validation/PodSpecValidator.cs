using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>Validation of a pod spec (a Pod's or a Job template's): containers, volumes, mounts, env, resources, scheduling.</summary>
internal static class PodSpecValidator
{
    private static readonly string[] _volumeSources =
    [
        "secret", "configMap", "emptyDir", "hostPath", "persistentVolumeClaim", "projected", "downwardAPI",
        "csi", "ephemeral", "nfs", "image", "iscsi", "gitRepo", "fc", "azureFile", "azureDisk", "cephfs", "rbd",
    ];

    private static readonly string[] _standardResources = ["cpu", "memory", "ephemeral-storage", "storage", "pods"];

    /// <summary>Validates everything but restartPolicy, whose allowed values depend on the owner.</summary>
    public static void Validate(JsonObject? spec, string path, List<FieldError> errors)
    {
        var volumes = ValidateVolumes(spec, $"{path}.volumes", errors);
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        var containers = TypedReader.Objects(spec, "containers", $"{path}.containers");
        if (containers.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.containers"));
        }

        ValidateContainers(containers, $"{path}.containers", volumes, containerNames, errors);
        ValidateContainers(TypedReader.Objects(spec, "initContainers", $"{path}.initContainers"), $"{path}.initContainers", volumes, containerNames, errors);
        SchedulingValidator.Validate(spec, path, errors);

        if (TypedReader.Integer(spec, "activeDeadlineSeconds", $"{path}.activeDeadlineSeconds") is { } deadline and (< 1 or > int.MaxValue))
        {
            errors.Add(FieldError.Invalid($"{path}.activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"));
        }

        if (TypedReader.Integer(spec, "terminationGracePeriodSeconds", $"{path}.terminationGracePeriodSeconds") is { } grace and < 0)
        {
            errors.Add(FieldError.Invalid($"{path}.terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
        }
    }

    private static HashSet<string> ValidateVolumes(JsonObject? spec, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var volumes = TypedReader.Objects(spec, "volumes", path);
        for (var i = 0; i < volumes.Count; i++)
        {
            var volume = volumes[i];
            var volumePath = $"{path}[{i}]";
            var name = TypedReader.String(volume, "name", $"{volumePath}.name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required($"{volumePath}.name"));
            }
            else if (NameRules.Dns1123Label(name) is { Count: > 0 } messages)
            {
                errors.AddRange(messages.Select(message => FieldError.Invalid($"{volumePath}.name", name, message)));
            }
            else if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate($"{volumePath}.name", name));
            }

            var sources = _volumeSources.Where(source => volume[source] is not null).ToList();
            if (sources.Count == 0)
            {
                errors.Add(FieldError.Required(volumePath, "must specify a volume type"));
                continue;
            }

            if (sources.Count > 1)
            {
                errors.Add(FieldError.Forbidden($"{volumePath}.{sources[1]}", "may not specify more than 1 volume type"));
            }

            ValidateVolumeSource(volume, sources[0], $"{volumePath}.{sources[0]}", errors);
        }

        return names;
    }

    private static void ValidateVolumeSource(JsonObject volume, string source, string path, List<FieldError> errors)
    {
        var body = TypedReader.Object(volume, source, path);
        var (field, required) = source switch
        {
            "secret" => ("secretName", true),
            "configMap" => ("name", true),
            "persistentVolumeClaim" => ("claimName", true),
            "hostPath" => ("path", true),
            _ => ("", false),
        };
        if (required && string.IsNullOrEmpty(TypedReader.String(body, field, $"{path}.{field}")))
        {
            errors.Add(FieldError.Required($"{path}.{field}"));
        }

        if (TypedReader.Integer(body, "defaultMode", $"{path}.defaultMode") is { } mode and (< 0 or > 511))
        {
            errors.Add(FieldError.Invalid($"{path}.defaultMode", mode, "must be a number between 0 and 0777 (octal), both inclusive"));
        }
    }

    private static void ValidateContainers(
        IReadOnlyList<JsonObject> containers,
        string path,
        HashSet<string> volumes,
        HashSet<string> names,
        List<FieldError> errors)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var container = containers[i];
            var containerPath = $"{path}[{i}]";
            var name = TypedReader.String(container, "name", $"{containerPath}.name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required($"{containerPath}.name"));
            }
            else if (NameRules.Dns1123Label(name) is { Count: > 0 } messages)
            {
                errors.AddRange(messages.Select(message => FieldError.Invalid($"{containerPath}.name", name, message)));
            }
            else if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate($"{containerPath}.name", name));
            }

            var image = TypedReader.String(container, "image", $"{containerPath}.image") ?? "";
            if (image.Length == 0)
            {
                errors.Add(FieldError.Required($"{containerPath}.image"));
            }
            else if (image.Trim().Length != image.Length)
            {
                errors.Add(FieldError.Invalid($"{containerPath}.image", image, "must not have leading or trailing whitespace"));
            }

            ValidateEnv(container, $"{containerPath}.env", errors);
            ValidateVolumeMounts(container, $"{containerPath}.volumeMounts", volumes, errors);
            ValidateResources(TypedReader.Object(container, "resources", $"{containerPath}.resources"), $"{containerPath}.resources", errors);
        }
    }

    private static void ValidateEnv(JsonObject container, string path, List<FieldError> errors)
    {
        var variables = TypedReader.Objects(container, "env", path);
        for (var i = 0; i < variables.Count; i++)
        {
            var name = TypedReader.String(variables[i], "name", $"{path}[{i}].name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required($"{path}[{i}].name"));
                continue;
            }

            errors.AddRange(NameRules.EnvVarName(name).Select(message => FieldError.Invalid($"{path}[{i}].name", name, message)));
            var value = TypedReader.String(variables[i], "value", $"{path}[{i}].value") ?? "";
            if (value.Length > 0 && variables[i]["valueFrom"] is not null)
            {
                errors.Add(FieldError.Invalid($"{path}[{i}].valueFrom", "", "may not be specified when `value` is not empty"));
            }
        }
    }

    private static void ValidateVolumeMounts(JsonObject container, string path, HashSet<string> volumes, List<FieldError> errors)
    {
        var mounts = TypedReader.Objects(container, "volumeMounts", path);
        var mountPaths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < mounts.Count; i++)
        {
            var name = TypedReader.String(mounts[i], "name", $"{path}[{i}].name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required($"{path}[{i}].name"));
            }
            else if (!volumes.Contains(name))
            {
                errors.Add(FieldError.NotFound($"{path}[{i}].name", name));
            }

            var mountPath = TypedReader.String(mounts[i], "mountPath", $"{path}[{i}].mountPath") ?? "";
            if (mountPath.Length == 0)
            {
                errors.Add(FieldError.Required($"{path}[{i}].mountPath"));
            }
            else if (!mountPaths.Add(mountPath))
            {
                errors.Add(FieldError.Invalid($"{path}[{i}].mountPath", mountPath, "must be unique"));
            }
        }
    }

    private static void ValidateResources(JsonObject? resources, string path, List<FieldError> errors)
    {
        var limits = Quantities(resources, "limits", $"{path}.limits", errors);
        var requests = Quantities(resources, "requests", $"{path}.requests", errors);
        foreach (var (name, request) in requests)
        {
            if (limits.TryGetValue(name, out var limit) && request.Value > limit.Value)
            {
                errors.Add(FieldError.Invalid($"{path}.requests[{name}]", request.Text, $"must be less than or equal to {name} limit of {limit.Text}"));
            }
        }
    }

    private static Dictionary<string, (string Text, double Value)> Quantities(JsonObject? resources, string property, string path, List<FieldError> errors)
    {
        var parsed = new Dictionary<string, (string Text, double Value)>(StringComparer.Ordinal);
        var map = TypedReader.Object(resources, property, path);
        if (map is null)
        {
            return parsed;
        }

        foreach (var (name, node) in map)
        {
            // A quantity that does not parse fails decoding (400), before validation, on a real server.
            var text = node switch
            {
                JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
                JsonValue value when value.GetValueKind() == JsonValueKind.Number => value.ToJsonString(),
                _ => throw new DecodeException(Quantity.ErrorMessage),
            };
            if (!Quantity.TryParse(text, out var amount))
            {
                throw new DecodeException(Quantity.ErrorMessage);
            }

            var entryPath = $"{path}[{name}]";
            if (!_standardResources.Contains(name) && !name.StartsWith("hugepages-", StringComparison.Ordinal) && !name.Contains('/'))
            {
                errors.Add(FieldError.Invalid(entryPath, name, "must be a standard resource type or fully qualified"));
            }

            if (amount < 0)
            {
                errors.Add(FieldError.Invalid(entryPath, text, "must be greater than or equal to 0"));
            }

            parsed[name] = (text, amount);
        }

        return parsed;
    }
}
