using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>); strategic merge patches have their own
/// <see cref="StrategicMergePatch"/>.
/// </summary>
internal static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> (mutated in place) and returns it.</summary>
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        Merge(target, patch);
        return target;
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var current = result[key];
            var merged = Merge(current, value);
            if (!ReferenceEquals(merged, current))
            {
                result[key] = merged;
            }
        }

        return result;
    }
}
