using k8s;
using k8s.Models;

namespace MFlow.Kubernetes;

/// <summary>
/// Every Kubernetes API call MFlow makes, over the official client: one seam, so the executor and
/// the tracker are testable, and a reader sees at once what MFlow asks of a cluster. Errors are the
/// client's (<see cref="k8s.Autorest.HttpOperationException"/>, and <see cref="KubernetesException"/>
/// for a watch's ERROR event); <see cref="KubernetesErrors"/> reads them.
/// </summary>
public interface IKubernetesApi
{
    /// <summary>The namespace of the connection (kubeconfig context or the pod's own).</summary>
    string DefaultNamespace { get; }

    /// <summary>The official client, for what builds on it (leader election's <c>LeaseLock</c>).</summary>
    IKubernetes Client { get; }

    /// <summary>Creates a Job in its metadata's namespace; a retried create may meet 409 AlreadyExists although the first attempt succeeded.</summary>
    Task<V1Job> CreateJobAsync(V1Job job, CancellationToken cancellationToken = default);

    /// <summary>Reads a Job.</summary>
    Task<V1Job> ReadJobAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Job and, in the background, its pods (and what it owns).</summary>
    Task DeleteJobAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists the Jobs of a namespace that match a label selector.</summary>
    Task<V1JobList> ListJobsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken = default);

    /// <summary>Watches the Jobs of a namespace after <paramref name="resourceVersion"/>, bookmarks included, until the server ends the watch.</summary>
    IAsyncEnumerable<(WatchEventType Type, V1Job Object)> WatchJobsAsync(string @namespace, string labelSelector, string resourceVersion, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Lists the pods of a namespace that match a label selector.</summary>
    Task<V1PodList> ListPodsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken = default);

    /// <summary>Watches pods; see <see cref="WatchJobsAsync"/>.</summary>
    IAsyncEnumerable<(WatchEventType Type, V1Pod Object)> WatchPodsAsync(string @namespace, string labelSelector, string resourceVersion, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Reads the end of a pod container's log: at most <paramref name="tailLines"/> lines and <paramref name="limitBytes"/> bytes.</summary>
    Task<string> ReadPodLogAsync(string @namespace, string pod, string? container, int tailLines, int limitBytes, CancellationToken cancellationToken = default);

    /// <summary>Creates a Secret in its metadata's namespace (409 AlreadyExists as for Jobs).</summary>
    Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken = default);

    /// <summary>Reads a Secret (404 when there is none).</summary>
    Task<V1Secret> ReadSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Creates a ConfigMap in its metadata's namespace (409 AlreadyExists as for Jobs).</summary>
    Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken = default);

    /// <summary>Reads a ConfigMap (404 when there is none).</summary>
    Task<V1ConfigMap> ReadConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="owner"/> the only owner of a Secret (a merge patch of its
    /// <c>metadata.ownerReferences</c>), so that the garbage collector deletes it with its owner.
    /// </summary>
    Task<V1Secret> SetSecretOwnerAsync(string @namespace, string name, V1OwnerReference owner, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SetSecretOwnerAsync"/>, for a ConfigMap.</summary>
    Task<V1ConfigMap> SetConfigMapOwnerAsync(string @namespace, string name, V1OwnerReference owner, CancellationToken cancellationToken = default);

    /// <summary>Deletes a Secret (404 when there is none).</summary>
    Task DeleteSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a ConfigMap (404 when there is none).</summary>
    Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a Job but keeps it: one merge patch adds <paramref name="annotations"/> and lowers its
    /// <c>activeDeadlineSeconds</c> to 1 s, so the Job controller fails it (DeadlineExceeded) and stops its
    /// pods, and the Job stays until its TTL deletes it.
    /// </summary>
    Task<V1Job> EndJobAsync(string @namespace, string name, IReadOnlyDictionary<string, string> annotations, CancellationToken cancellationToken = default);
}
