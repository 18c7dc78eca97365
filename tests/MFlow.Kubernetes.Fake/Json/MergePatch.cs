using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// RFC 7386 JSON merge patch. Strategic merge patches go through here too: the fake does not know the
/// per-field merge keys, so lists are replaced and "$"-directives are dropped. For the metadata maps
/// (labels, annotations) the two kinds behave the same.
/// </summary>
internal static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> (mutated in place) and returns it.</summary>
    public static JsonObject Apply(JsonObject target, JsonObject patch, bool strategic)
    {
        Merge(target, patch, strategic);
        return target;
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch, bool strategic)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            // Strategic patches carry directives such as $setElementOrder/containers or $patch
            // (kubectl apply sends them); they are instructions, never fields.
            if (strategic && key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var current = result[key];
            var merged = Merge(current, value, strategic);
            if (!ReferenceEquals(merged, current))
            {
                result[key] = merged;
            }
        }

        return result;
    }
}
