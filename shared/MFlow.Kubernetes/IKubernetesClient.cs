using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes;

/// <summary>
/// The Kubernetes API calls MFlow makes. Errors surface as <see cref="Errors.KubernetesApiException"/>
/// subclasses (<see cref="Errors.NotFoundException"/>, <see cref="Errors.AlreadyExistsException"/>, ...);
/// 429 and 5xx answers are retried before that.
/// </summary>
public interface IKubernetesClient
{
    /// <summary>The namespace of the connection (kubeconfig context or the pod's own).</summary>
    string DefaultNamespace { get; }

    /// <summary>
    /// Creates a Job. A create that is retried after a lost answer can fail with
    /// <see cref="Errors.AlreadyExistsException"/> although the first attempt succeeded: with
    /// deterministic names, treat that as "adopt the existing Job".
    /// </summary>
    /// <param name="namespace">The namespace; must match <c>job.metadata.namespace</c> when that is set.</param>
    /// <param name="job">The Job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Job as stored, with uid and resourceVersion.</returns>
    Task<Job> CreateJobAsync(string @namespace, Job job, CancellationToken cancellationToken = default);

    /// <summary>Reads a Job.</summary>
    Task<Job> GetJobAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists Jobs of a namespace, or of all namespaces when <paramref name="namespace"/> is null.</summary>
    Task<JobList> ListJobsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Watches Jobs of a namespace (all when null), yielding events as they arrive until the
    /// server ends the watch. An ERROR event is thrown as the matching exception
    /// (<see cref="Errors.GoneException"/> for 410: list again).
    /// </summary>
    IAsyncEnumerable<WatchEvent<Job>> WatchJobsAsync(string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Job; <paramref name="propagation"/> decides what happens to its pods.</summary>
    Task DeleteJobAsync(string @namespace, string name, PropagationPolicy propagation = PropagationPolicy.Background, CancellationToken cancellationToken = default);

    /// <summary>Applies a JSON merge patch (RFC 7386, <c>application/merge-patch+json</c>) to a Job.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="name">The Job name.</param>
    /// <param name="mergePatchJson">The patch, e.g. <c>{"metadata":{"labels":{"a":"b"}}}</c>; null values remove keys.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The patched Job.</returns>
    Task<Job> PatchJobAsync(string @namespace, string name, string mergePatchJson, CancellationToken cancellationToken = default);

    /// <summary>Reads a Pod.</summary>
    Task<Pod> GetPodAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists Pods of a namespace, or of all namespaces when <paramref name="namespace"/> is null.</summary>
    Task<PodList> ListPodsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Watches Pods; see <see cref="WatchJobsAsync"/>.</summary>
    IAsyncEnumerable<WatchEvent<Pod>> WatchPodsAsync(string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Reads (part of) the log of a pod's container as text.</summary>
    Task<string> ReadPodLogAsync(string @namespace, string name, PodLogOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Creates a Secret (see <see cref="CreateJobAsync"/> about AlreadyExists after a retry).</summary>
    Task<Secret> CreateSecretAsync(string @namespace, Secret secret, CancellationToken cancellationToken = default);

    /// <summary>Reads a Secret.</summary>
    Task<Secret> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists Secrets of a namespace, or of all namespaces when <paramref name="namespace"/> is null.</summary>
    Task<SecretList> ListSecretsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Secret.</summary>
    Task DeleteSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Creates a ConfigMap (see <see cref="CreateJobAsync"/> about AlreadyExists after a retry).</summary>
    Task<ConfigMap> CreateConfigMapAsync(string @namespace, ConfigMap configMap, CancellationToken cancellationToken = default);

    /// <summary>Reads a ConfigMap.</summary>
    Task<ConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists ConfigMaps of a namespace, or of all namespaces when <paramref name="namespace"/> is null.</summary>
    Task<ConfigMapList> ListConfigMapsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a ConfigMap.</summary>
    Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Reads a coordination.k8s.io/v1 Lease.</summary>
    Task<Lease> GetLeaseAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Creates a Lease; <see cref="Errors.AlreadyExistsException"/> when another created it first.</summary>
    Task<Lease> CreateLeaseAsync(string @namespace, Lease lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a Lease (PUT). Its metadata.resourceVersion is the precondition: when someone else
    /// wrote it since, the server answers <see cref="Errors.ConflictException"/>.
    /// </summary>
    Task<Lease> ReplaceLeaseAsync(string @namespace, Lease lease, CancellationToken cancellationToken = default);
}
