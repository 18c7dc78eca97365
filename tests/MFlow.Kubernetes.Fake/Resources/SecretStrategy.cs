using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>v1 Secrets: stringData folded into data, key and size rules, immutability.</summary>
internal sealed class SecretStrategy : ResourceStrategy
{
    public const int MaxSize = 1024 * 1024;

    public override void PrepareForCreate(JsonObject secret)
    {
        Default(secret, "type", "Opaque");
        FoldStringData(secret);
    }

    public override void PrepareForUpdate(JsonObject updated, JsonObject current)
    {
        Default(updated, "type", "Opaque");
        FoldStringData(updated);
    }

    protected override void ValidateObject(JsonObject secret, List<FieldError> errors)
    {
        var total = 0;
        foreach (var (key, value) in TypedReader.StringMap(secret, "data", "data"))
        {
            errors.AddRange(NameRules.ConfigKey(key).Select(message => FieldError.Invalid($"data[{key}]", key, message)));
            total += DecodedLength(value);
        }

        if (total > MaxSize)
        {
            errors.Add(FieldError.TooLong("data", MaxSize));
        }

        if (TypedReader.String(secret, "type", "type") is "")
        {
            errors.Add(FieldError.Required("type"));
        }
    }

    public override void ValidateUpdate(JsonObject updated, JsonObject current, List<FieldError> errors)
    {
        Validate(updated, errors);
        if (!JsonNode.DeepEquals(updated["type"], current["type"]))
        {
            errors.Add(FieldError.Invalid("type", KubeJson.String(updated["type"]) ?? "", "field is immutable"));
        }

        ImmutableData.Validate(updated, current, ["data"], errors);
    }

    /// <summary>stringData is write-only: the apiserver merges it into data (it wins) and never stores it.</summary>
    private static void FoldStringData(JsonObject secret)
    {
        var stringData = TypedReader.StringMap(secret, "stringData", "stringData");
        if (stringData.Count > 0)
        {
            var data = Child(secret, "data", "data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
            }
        }

        secret.Remove("stringData");
    }

    /// <summary>The decoded length; data that is not base64 fails decoding (400) as Go's []byte would.</summary>
    public static int DecodedLength(string value)
    {
        try
        {
            return Convert.FromBase64String(value).Length;
        }
        catch (FormatException)
        {
            var index = value.IndexOfAny(['\r', '\n', ' ', '\t']);
            for (var i = 0; i < value.Length && index < 0; i++)
            {
                if (!char.IsAsciiLetterOrDigit(value[i]) && value[i] is not ('+' or '/' or '='))
                {
                    index = i;
                }
            }

            throw new DecodeException($"illegal base64 data at input byte {(index < 0 ? value.Length : index)}");
        }
    }
}
