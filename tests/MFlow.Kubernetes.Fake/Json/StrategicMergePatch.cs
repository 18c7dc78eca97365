using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;

namespace MFlow.Kubernetes.Fake.Json;

/// <summary>
/// Strategic merge patch (apimachinery's strategicpatch) for the kinds the fake serves. Lists the Go types
/// tag with <c>patchStrategy:"merge"</c> merge element by element on their <c>patchMergeKey</c> (containers
/// by name, env by name, ports by containerPort, conditions by type, ...); other lists are replaced; maps
/// merge as in a JSON merge patch. Directives: <c>$patch</c> (replace, merge, delete), <c>$retainKeys</c>,
/// <c>$deleteFromPrimitiveList/…</c> and <c>$setElementOrder/…</c>.
/// </summary>
internal static class StrategicMergePatch
{
    private sealed record Shape(IReadOnlyDictionary<string, Shape> Objects, IReadOnlyDictionary<string, ListStrategy> Lists);

    /// <summary>A list merged on <paramref name="Key"/> (null: a set of primitives), with the shape of its elements.</summary>
    private sealed record ListStrategy(string? Key, Shape? Element);

    private static readonly Shape _leaf = new(new Dictionary<string, Shape>(), new Dictionary<string, ListStrategy>());

    private static readonly Shape _objectMeta = new(
        new Dictionary<string, Shape>(),
        new Dictionary<string, ListStrategy> { ["ownerReferences"] = new("uid", null), ["finalizers"] = new(null, null) });

    private static readonly Shape _container = new(
        new Dictionary<string, Shape>(),
        new Dictionary<string, ListStrategy>
        {
            ["ports"] = new("containerPort", null),
            ["env"] = new("name", null),
            ["volumeMounts"] = new("mountPath", null),
            ["volumeDevices"] = new("devicePath", null),
        });

    private static readonly Shape _podSpec = new(
        new Dictionary<string, Shape>(),
        new Dictionary<string, ListStrategy>
        {
            ["volumes"] = new("name", null),
            ["initContainers"] = new("name", _container),
            ["containers"] = new("name", _container),
            ["ephemeralContainers"] = new("name", _container),
            ["imagePullSecrets"] = new("name", null),
            ["hostAliases"] = new("ip", null),
            ["topologySpreadConstraints"] = new("topologyKey", null),
            ["resourceClaims"] = new("name", null),
            ["schedulingGates"] = new("name", null),
        });

    private static readonly Shape _podStatus = new(
        new Dictionary<string, Shape>(),
        new Dictionary<string, ListStrategy> { ["conditions"] = new("type", null), ["podIPs"] = new("ip", null), ["hostIPs"] = new("ip", null) });

    private static readonly Shape _podTemplate = new(new Dictionary<string, Shape> { ["metadata"] = _objectMeta, ["spec"] = _podSpec }, new Dictionary<string, ListStrategy>());

    private static readonly Dictionary<string, Shape> _kinds = new(StringComparer.Ordinal)
    {
        ["Pod"] = new(new Dictionary<string, Shape> { ["metadata"] = _objectMeta, ["spec"] = _podSpec, ["status"] = _podStatus }, new Dictionary<string, ListStrategy>()),
        ["Job"] = new(
            new Dictionary<string, Shape>
            {
                ["metadata"] = _objectMeta,
                ["spec"] = new(new Dictionary<string, Shape> { ["template"] = _podTemplate }, new Dictionary<string, ListStrategy>()),
                ["status"] = new(new Dictionary<string, Shape>(), new Dictionary<string, ListStrategy> { ["conditions"] = new("type", null) }),
            },
            new Dictionary<string, ListStrategy>()),
    };

    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="target"/>, an object of <paramref name="type"/>.</summary>
    public static JsonObject Apply(ResourceType type, JsonObject target, JsonObject patch)
    {
        var shape = _kinds.GetValueOrDefault(type.Kind) ?? new Shape(new Dictionary<string, Shape> { ["metadata"] = _objectMeta }, new Dictionary<string, ListStrategy>());
        return MergeObject(KubeJson.Clone(target), patch, shape) ?? [];
    }

    private static JsonObject? MergeObject(JsonObject? target, JsonObject patch, Shape shape)
    {
        switch (KubeJson.String(patch["$patch"]))
        {
            case "replace":
                return WithoutDirectives(patch);
            case "delete":
                return null;
            case null or "merge":
                break;
            case var other:
                throw new JsonPatchException($"Unknown patch type: {other}");
        }

        var result = target ?? [];
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                var remove = (value as JsonArray ?? throw new JsonPatchException("invalid patch: $deleteFromPrimitiveList must be a list")).Select(item => item?.ToJsonString()).ToHashSet();
                if (result[field] is JsonArray list)
                {
                    foreach (var item in list.Where(item => remove.Contains(item?.ToJsonString())).ToList())
                    {
                        list.Remove(item);
                    }
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                // $retainKeys is applied below; $setElementOrder only orders elements, which the fake keeps as they are.
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray items && shape.Lists.TryGetValue(key, out var mergeList))
            {
                result[key] = MergeList(result[key] as JsonArray, items, mergeList);
            }
            else if (value is JsonObject child)
            {
                var merged = MergeObject(result[key] as JsonObject, child, shape.Objects.GetValueOrDefault(key) ?? _leaf);
                if (merged is null)
                {
                    result.Remove(key);
                }
                else if (!ReferenceEquals(merged, result[key]))
                {
                    result[key] = merged;
                }
            }
            else
            {
                result[key] = WithoutDirectives(value);
            }
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(KubeJson.String).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(entry => entry.Key).Where(key => !keep.Contains(key)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, ListStrategy list)
    {
        // A {"$patch": "replace"} element replaces the whole list with the patch's other elements.
        if (patch.Any(item => item is JsonObject element && KubeJson.String(element["$patch"]) == "replace"))
        {
            return new JsonArray(patch.Where(item => !(item is JsonObject element && element.ContainsKey("$patch"))).Select(WithoutDirectives).ToArray());
        }

        var result = (JsonArray?)target?.DeepClone() ?? [];
        if (list.Key is null)
        {
            // A set of primitives (finalizers): the patch's values are added once.
            foreach (var item in patch.Where(item => !result.Any(existing => JsonNode.DeepEquals(existing, item))))
            {
                result.Add(item?.DeepClone());
            }

            return result;
        }

        foreach (var item in patch)
        {
            if (item is not JsonObject element || element[list.Key] is not { } keyValue)
            {
                throw new JsonPatchException($"map: {item?.ToJsonString()} does not contain declared merge key: {list.Key}");
            }

            var index = result.ToList().FindIndex(existing => existing is JsonObject candidate && JsonNode.DeepEquals(candidate[list.Key], keyValue));
            if (KubeJson.String(element["$patch"]) == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                var merged = MergeObject((JsonObject)result[index]!.DeepClone(), element, list.Element ?? _leaf);
                result[index] = merged;
            }
            else
            {
                result.Add(WithoutDirectives(element));
            }
        }

        return result;
    }

    private static JsonNode? WithoutDirectives(JsonNode? node) => node switch
    {
        JsonObject obj => WithoutDirectives(obj),
        JsonArray array => new JsonArray(array.Select(WithoutDirectives).ToArray()),
        _ => node?.DeepClone(),
    };

    private static JsonObject WithoutDirectives(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (!key.StartsWith('$'))
            {
                copy[key] = WithoutDirectives(value);
            }
        }

        return copy;
    }
}
