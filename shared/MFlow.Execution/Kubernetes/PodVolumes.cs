using System.Net;
using k8s.Autorest;
using k8s.Models;
using MFlow.Kubernetes;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// The Secrets and ConfigMaps a pod mounts (secret, configMap and projected volumes), and which of them
/// is missing. A pod whose volume names a missing one stays ContainerCreating for ever (the kubelet
/// reports it only in a FailedMount event), so the tracker asks once the pod waited past the grace period.
/// </summary>
public static class PodVolumes
{
    /// <summary>One object a volume mounts: its kind ("Secret" or "ConfigMap"), name, the keys it projects, and the volume.</summary>
    public sealed record Mounted(string Kind, string Name, IReadOnlyList<string> Keys, string Volume);

    /// <summary>The objects the pod's volumes name, except optional ones (the kubelet mounts those empty).</summary>
    public static IReadOnlyList<Mounted> Of(V1Pod pod)
    {
        var mounted = new List<Mounted>();
        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            if (volume.Secret is { Optional: not true } secret)
                mounted.Add(new Mounted("Secret", secret.SecretName ?? "", Keys(secret.Items), volume.Name));
            if (volume.ConfigMap is { Optional: not true } configMap)
                mounted.Add(new Mounted("ConfigMap", configMap.Name ?? "", Keys(configMap.Items), volume.Name));
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                if (source.Secret is { Optional: not true } projectedSecret)
                    mounted.Add(new Mounted("Secret", projectedSecret.Name ?? "", Keys(projectedSecret.Items), volume.Name));
                if (source.ConfigMap is { Optional: not true } projectedConfigMap)
                    mounted.Add(new Mounted("ConfigMap", projectedConfigMap.Name ?? "", Keys(projectedConfigMap.Items), volume.Name));
            }
        }

        return mounted;
    }

    /// <summary>True while the pod is bound but none of its containers started: the kubelet is still mounting its volumes, or cannot.</summary>
    public static bool StillCreating(V1Pod? pod) =>
        pod is { Status.Phase: "Pending", Metadata.DeletionTimestamp: null }
        && pod.Status.ContainerStatuses is { Count: > 0 } containers
        && containers.All(c => c.State?.Waiting?.Reason is "ContainerCreating" or "PodInitializing")
        && (pod.Status.InitContainerStatuses ?? []).All(c => c.State?.Waiting?.Reason is "PodInitializing");

    /// <summary>
    /// What a person reads about the first mounted object that is missing (or lacks a key the volume
    /// projects), or null when every one is there. Names and keys only: no value is read into a message.
    /// </summary>
    public static async Task<string?> FindMissingAsync(IKubernetesApi client, string @namespace, IReadOnlyList<Mounted> mounted, CancellationToken cancellationToken)
    {
        foreach (var item in mounted)
        {
            IEnumerable<string> keys;
            try
            {
                keys = item.Kind == "Secret"
                    ? (await client.ReadSecretAsync(@namespace, item.Name, cancellationToken)).Data?.Keys ?? []
                    : await ConfigMapKeysAsync(client, @namespace, item.Name, cancellationToken);
            }
            catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.NotFound))
            {
                return $"Volume \"{item.Volume}\" mounts {item.Kind} \"{item.Name}\", which does not exist in namespace {@namespace}: the pod cannot start. Create it, or name another in the task's params.";
            }

            var present = keys.ToHashSet(StringComparer.Ordinal);
            if (item.Keys.FirstOrDefault(key => !present.Contains(key)) is { } missingKey)
                return $"Volume \"{item.Volume}\" mounts key \"{missingKey}\" of {item.Kind} \"{item.Name}\" in namespace {@namespace}, which has no such key: the pod cannot start.";
        }

        return null;
    }

    static async Task<IEnumerable<string>> ConfigMapKeysAsync(IKubernetesApi client, string @namespace, string name, CancellationToken cancellationToken)
    {
        var configMap = await client.ReadConfigMapAsync(@namespace, name, cancellationToken);
        return (configMap.Data?.Keys ?? []).Concat(configMap.BinaryData?.Keys ?? []);
    }

    static List<string> Keys(IList<V1KeyToPath>? items) => items?.Select(item => item.Key).ToList() ?? [];
}
