using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Store;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// Why the kubelet cannot start a pod yet: a volume it cannot mount (the pod stays Pending, its containers
/// ContainerCreating, and the kubelet records a FailedMount event with <see cref="Message"/>), or containers
/// whose environment names a Secret, ConfigMap or key that does not exist (CreateContainerConfigError).
/// </summary>
/// <param name="Message">The kubelet's message: the mount failure, or the first container's config error.</param>
/// <param name="ContainerErrors">Per container (init or main) whose config cannot be built, the kubelet's message; empty for a mount failure.</param>
internal sealed record PodConfigProblem(string Message, IReadOnlyDictionary<string, string> ContainerErrors)
{
    public bool IsMountFailure => ContainerErrors.Count == 0;
}

/// <summary>
/// What the kubelet checks before it starts a pod's containers: every Secret and ConfigMap the pod's
/// volumes (secret, configMap, projected) and its containers' env (<c>valueFrom</c>) and <c>envFrom</c>
/// name exists, with the keys named, unless the reference is <c>optional: true</c>. Volumes are mounted
/// first; only once they are does a container's environment count.
/// </summary>
internal static class PodConfig
{
    public static PodConfigProblem? Check(ObjectStore store, ResourceRegistry registry, JsonObject pod)
    {
        var @namespace = KubeJson.Namespace(pod) ?? "";
        var spec = pod["spec"] as JsonObject ?? [];
        var sources = new Sources(store, registry, @namespace);
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (MountFailure(sources, volume) is { } failure)
            {
                return new PodConfigProblem($"MountVolume.SetUp failed for volume \"{KubeJson.String(volume["name"])}\" : {failure}", new Dictionary<string, string>());
            }
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var container in new[] { "initContainers", "containers" }.SelectMany(property => (spec[property] as JsonArray ?? []).OfType<JsonObject>()))
        {
            if (EnvironmentError(sources, container) is { } error)
            {
                errors[KubeJson.String(container["name"]) ?? ""] = error;
            }
        }

        return errors.Count == 0 ? null : new PodConfigProblem(errors.Values.First(), errors);
    }

    private static string? MountFailure(Sources sources, JsonObject volume)
    {
        if (volume["secret"] is JsonObject secret)
        {
            return Projection(sources.Secret, "secret", KubeJson.String(secret["secretName"]) ?? "", secret);
        }

        if (volume["configMap"] is JsonObject configMap)
        {
            return Projection(sources.ConfigMap, "configmap", KubeJson.String(configMap["name"]) ?? "", configMap);
        }

        foreach (var source in (volume["projected"]?["sources"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var failure = source switch
            {
                _ when source["secret"] is JsonObject projected => Projection(sources.Secret, "secret", KubeJson.String(projected["name"]) ?? "", projected),
                _ when source["configMap"] is JsonObject projected => Projection(sources.ConfigMap, "configmap", KubeJson.String(projected["name"]) ?? "", projected),
                _ => null,
            };
            if (failure is not null)
            {
                return failure;
            }
        }

        return null;
    }

    // As the kubelet's secret and configMap volume plugins: a missing object fails the mount unless
    // optional; so does an item naming a key the object lacks (an optional source skips it).
    private static string? Projection(Func<string, HashSet<string>?> keysOf, string kind, string name, JsonObject source)
    {
        var optional = KubeJson.Boolean(source["optional"]) == true;
        if (keysOf(name) is not { } keys)
        {
            return optional ? null : $"{kind} \"{name}\" not found";
        }

        foreach (var item in (source["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = KubeJson.String(item["key"]) ?? "";
            if (!keys.Contains(key) && !optional)
            {
                return kind == "secret" ? $"references non-existent secret key: {key}" : $"configmap references non-existent config key: {key}";
            }
        }

        return null;
    }

    private static string? EnvironmentError(Sources sources, JsonObject container)
    {
        foreach (var from in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var isSecret = from["secretRef"] is JsonObject;
            var reference = from[isSecret ? "secretRef" : "configMapRef"] as JsonObject;
            var kind = isSecret ? "secret" : "configmap";
            Func<string, HashSet<string>?> keysOf = isSecret ? sources.Secret : sources.ConfigMap;
            if (reference is null || KubeJson.Boolean(reference["optional"]) == true)
            {
                continue;
            }

            var name = KubeJson.String(reference["name"]) ?? "";
            if (keysOf(name) is null)
            {
                return $"{kind} \"{name}\" not found";
            }
        }

        foreach (var variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var isSecret = variable["valueFrom"]?["secretKeyRef"] is JsonObject;
            var selector = variable["valueFrom"]?[isSecret ? "secretKeyRef" : "configMapKeyRef"] as JsonObject;
            var kind = isSecret ? "Secret" : "ConfigMap";
            Func<string, HashSet<string>?> keysOf = isSecret ? sources.Secret : sources.ConfigMap;
            if (selector is null || KubeJson.Boolean(selector["optional"]) == true)
            {
                continue;
            }

            var name = KubeJson.String(selector["name"]) ?? "";
            var key = KubeJson.String(selector["key"]) ?? "";
            if (keysOf(name) is not { } keys)
            {
                return $"{kind.ToLowerInvariant()} \"{name}\" not found";
            }

            if (!keys.Contains(key))
            {
                return $"couldn't find key {key} in {kind} {sources.Namespace}/{name}";
            }
        }

        return null;
    }

    /// <summary>The keys of the namespace's Secrets and ConfigMaps, each read once per check.</summary>
    private sealed class Sources(ObjectStore store, ResourceRegistry registry, string @namespace)
    {
        private readonly Dictionary<string, HashSet<string>?> _secrets = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<string>?> _configMaps = new(StringComparer.Ordinal);

        public string Namespace => @namespace;

        public HashSet<string>? Secret(string name) => Keys(_secrets, registry.Secrets, name, "data");

        public HashSet<string>? ConfigMap(string name) => Keys(_configMaps, registry.ConfigMaps, name, "data", "binaryData");

        private HashSet<string>? Keys(Dictionary<string, HashSet<string>?> cache, ResourceType type, string name, params string[] maps)
        {
            if (!cache.TryGetValue(name, out var keys))
            {
                keys = store.Get(type, @namespace, name) is { } obj
                    ? maps.SelectMany(map => (obj[map] as JsonObject ?? []).Select(entry => entry.Key)).ToHashSet(StringComparer.Ordinal)
                    : null;
                cache[name] = keys;
            }

            return keys;
        }
    }
}
