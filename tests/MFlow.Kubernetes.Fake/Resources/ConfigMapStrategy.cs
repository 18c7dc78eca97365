using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Validation;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>v1 ConfigMaps: key rules across data and binaryData, total size, immutability.</summary>
internal sealed class ConfigMapStrategy : ResourceStrategy
{
    protected override void ValidateObject(JsonObject configMap, List<FieldError> errors)
    {
        var total = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in TypedReader.StringMap(configMap, "data", "data"))
        {
            errors.AddRange(NameRules.ConfigKey(key).Select(message => FieldError.Invalid($"data[{key}]", key, message)));
            keys.Add(key);
            total += Encoding.UTF8.GetByteCount(value);
        }

        foreach (var (key, value) in TypedReader.StringMap(configMap, "binaryData", "binaryData"))
        {
            errors.AddRange(NameRules.ConfigKey(key).Select(message => FieldError.Invalid($"binaryData[{key}]", key, message)));
            if (keys.Contains(key))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, "duplicate of key present in binaryData"));
            }

            total += SecretStrategy.DecodedLength(value);
        }

        if (total > SecretStrategy.MaxSize)
        {
            errors.Add(FieldError.TooLong("[]", SecretStrategy.MaxSize));
        }
    }

    public override void ValidateUpdate(JsonObject updated, JsonObject current, List<FieldError> errors)
    {
        Validate(updated, errors);
        ImmutableData.Validate(updated, current, ["data", "binaryData"], errors);
    }
}
