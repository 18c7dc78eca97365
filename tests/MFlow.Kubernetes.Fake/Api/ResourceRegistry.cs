using k8s.Models;
using MFlow.Kubernetes.Fake.Resources;

namespace MFlow.Kubernetes.Fake.Api;

/// <summary>The resources the fake serves.</summary>
internal sealed class ResourceRegistry
{
    public ResourceRegistry()
    {
        Jobs = new ResourceType
        {
            Plural = "jobs",
            Singular = "job",
            Kind = "Job",
            Group = "batch",
            Version = "v1",
            Strategy = new JobStrategy(),
            Model = typeof(V1Job),
            SelectableFields = ["status.successful"],
        };
        Pods = new ResourceType
        {
            Plural = "pods",
            Singular = "pod",
            Kind = "Pod",
            Group = "",
            Version = "v1",
            ShortNames = ["po"],
            Strategy = new PodStrategy(),
            Model = typeof(V1Pod),
            Subresources = ["log"],
            SelectableFields = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"],
            ReturnDeletedObject = true,
        };
        Secrets = new ResourceType
        {
            Plural = "secrets",
            Singular = "secret",
            Kind = "Secret",
            Group = "",
            Version = "v1",
            Strategy = new SecretStrategy(),
            Model = typeof(V1Secret),
            SelectableFields = ["type"],
        };
        ConfigMaps = new ResourceType
        {
            Plural = "configmaps",
            Singular = "configmap",
            Kind = "ConfigMap",
            Group = "",
            Version = "v1",
            ShortNames = ["cm"],
            Strategy = new ConfigMapStrategy(),
            Model = typeof(V1ConfigMap),
        };
        Leases = new ResourceType
        {
            Plural = "leases",
            Singular = "lease",
            Kind = "Lease",
            Group = "coordination.k8s.io",
            Version = "v1",
            Strategy = new LeaseStrategy(),
            Model = typeof(V1Lease),
        };
        All = [Jobs, Pods, Secrets, ConfigMaps, Leases];
    }

    public ResourceType Jobs { get; }

    public ResourceType Pods { get; }

    public ResourceType Secrets { get; }

    public ResourceType ConfigMaps { get; }

    public ResourceType Leases { get; }

    public IReadOnlyList<ResourceType> All { get; }

    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(type => type.Group == group && type.Version == version && type.Plural == plural);

    public ResourceType ByPlural(string plural) =>
        All.FirstOrDefault(type => type.Plural == plural)
        ?? throw new ArgumentException($"The fake serves no resource \"{plural}\"; it serves {string.Join(", ", All.Select(type => type.Plural))}.", nameof(plural));

    public IEnumerable<(string Group, string Version)> GroupVersions =>
        All.Select(type => (type.Group, type.Version)).Distinct();
}
