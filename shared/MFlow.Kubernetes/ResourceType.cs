using System.Text.Json.Serialization.Metadata;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes;

/// <summary>Where a kind lives in the REST API and how it is (de)serialised.</summary>
internal sealed record ResourceType<T, TList>(string GroupVersionPath, string Plural, JsonTypeInfo<T> Item, JsonTypeInfo<TList> List)
    where T : IKubernetesObject
    where TList : IKubernetesList<T>
{
    /// <summary><c>/apis/batch/v1/namespaces/{ns}/jobs[/{name}[/{sub}]]</c>, or <c>/apis/batch/v1/jobs</c> for all namespaces.</summary>
    public string Path(string? @namespace, string? name = null, string? subresource = null)
    {
        var path = @namespace is null
            ? $"{GroupVersionPath}/{Plural}"
            : $"{GroupVersionPath}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";
        if (name is not null)
        {
            path += "/" + Uri.EscapeDataString(name);
        }

        if (subresource is not null)
        {
            path += "/" + subresource;
        }

        return path;
    }
}

/// <summary>The kinds the client handles.</summary>
internal static class ResourceTypes
{
    public static readonly ResourceType<Job, JobList> Jobs =
        new("/apis/batch/v1", "jobs", KubernetesJsonContext.Default.Job, KubernetesJsonContext.Default.JobList);

    public static readonly ResourceType<Pod, PodList> Pods =
        new("/api/v1", "pods", KubernetesJsonContext.Default.Pod, KubernetesJsonContext.Default.PodList);

    public static readonly ResourceType<Secret, SecretList> Secrets =
        new("/api/v1", "secrets", KubernetesJsonContext.Default.Secret, KubernetesJsonContext.Default.SecretList);

    public static readonly ResourceType<Lease, LeaseList> Leases =
        new("/apis/coordination.k8s.io/v1", "leases", KubernetesJsonContext.Default.Lease, KubernetesJsonContext.Default.LeaseList);

    public static readonly ResourceType<ConfigMap, ConfigMapList> ConfigMaps =
        new("/api/v1", "configmaps", KubernetesJsonContext.Default.ConfigMap, KubernetesJsonContext.Default.ConfigMapList);
}
