using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace MFlow.Kubernetes;

/// <summary><see cref="IKubernetesApi"/> over <see cref="k8s.Kubernetes"/>. Thread-safe; one per connection.</summary>
public sealed class KubernetesApi(IKubernetes client, string defaultNamespace) : IKubernetesApi, IDisposable
{
    /// <summary>The field manager MFlow's writes are recorded under (<c>metadata.managedFields</c>).</summary>
    public const string FieldManager = "mflow";

    /// <inheritdoc />
    public string DefaultNamespace { get; } = defaultNamespace;

    /// <inheritdoc />
    public IKubernetes Client { get; } = client;

    /// <summary>
    /// A client for <paramref name="configuration"/> (see <see cref="KubernetesConnections"/>) with
    /// <see cref="KubernetesRequestHandler"/> in front; its namespace is the configuration's, else "default".
    /// </summary>
    public static KubernetesApi Create(KubernetesClientConfiguration configuration, KubernetesClientOptions? options = null, ILogger? logger = null)
    {
        // Each attempt is bounded by the handler, and the attempts are few: no bound on the whole call,
        // which would also cut a watch short.
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        configuration.FirstMessageHandlerSetup = handler =>
        {
            // Recycling connections lets DNS and load-balancer changes take effect.
            handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            handler.ConnectCallback = ConnectWithKeepAliveAsync;
        };
        return new KubernetesApi(new k8s.Kubernetes(configuration, new KubernetesRequestHandler(options ?? new(), logger)), configuration.Namespace ?? "default");
    }

    /// <inheritdoc />
    public Task<V1Job> CreateJobAsync(V1Job job, CancellationToken cancellationToken = default) =>
        Client.BatchV1.CreateNamespacedJobAsync(job, job.Metadata.NamespaceProperty, fieldManager: FieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1Job> ReadJobAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        Client.BatchV1.ReadNamespacedJobAsync(name, @namespace, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task DeleteJobAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        Client.BatchV1.DeleteNamespacedJobAsync(name, @namespace, propagationPolicy: "Background", cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1JobList> ListJobsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken = default) =>
        Client.BatchV1.ListNamespacedJobAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<(WatchEventType Type, V1Job Object)> WatchJobsAsync(string @namespace, string labelSelector, string resourceVersion, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ThrowingErrors(onError => Client.BatchV1.WatchListNamespacedJobAsync(
            @namespace, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
            timeoutSeconds: (int)timeout.TotalSeconds, onError: onError, cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<V1PodList> ListPodsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken = default) =>
        Client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<(WatchEventType Type, V1Pod Object)> WatchPodsAsync(string @namespace, string labelSelector, string resourceVersion, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ThrowingErrors(onError => Client.CoreV1.WatchListNamespacedPodAsync(
            @namespace, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
            timeoutSeconds: (int)timeout.TotalSeconds, onError: onError, cancellationToken: cancellationToken), cancellationToken);

    /// <inheritdoc />
    public async Task<string> ReadPodLogAsync(string @namespace, string pod, string? container, int tailLines, int limitBytes, CancellationToken cancellationToken = default)
    {
        await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, @namespace, container: container, tailLines: tailLines, limitBytes: limitBytes, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken = default) =>
        Client.CoreV1.CreateNamespacedSecretAsync(secret, secret.Metadata.NamespaceProperty, fieldManager: FieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1Secret> ReadSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        Client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken = default) =>
        Client.CoreV1.CreateNamespacedConfigMapAsync(configMap, configMap.Metadata.NamespaceProperty, fieldManager: FieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1ConfigMap> ReadConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        Client.CoreV1.ReadNamespacedConfigMapAsync(name, @namespace, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1Secret> SetSecretOwnerAsync(string @namespace, string name, V1OwnerReference owner, CancellationToken cancellationToken = default) =>
        Client.CoreV1.PatchNamespacedSecretAsync(OwnerPatch(owner), name, @namespace, fieldManager: FieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1ConfigMap> SetConfigMapOwnerAsync(string @namespace, string name, V1OwnerReference owner, CancellationToken cancellationToken = default) =>
        Client.CoreV1.PatchNamespacedConfigMapAsync(OwnerPatch(owner), name, @namespace, fieldManager: FieldManager, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task DeleteSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        Client.CoreV1.DeleteNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        Client.CoreV1.DeleteNamespacedConfigMapAsync(name, @namespace, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<V1Job> EndJobAsync(string @namespace, string name, IReadOnlyDictionary<string, string> annotations, CancellationToken cancellationToken = default)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value)))) },
            ["spec"] = new JsonObject { ["activeDeadlineSeconds"] = 1 },
        };
        return Client.BatchV1.PatchNamespacedJobAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, @namespace, fieldManager: FieldManager, cancellationToken: cancellationToken);
    }

    // A merge patch replaces the list whole: the object ends with exactly this owner.
    static V1Patch OwnerPatch(V1OwnerReference owner) => new(
        new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = owner.ApiVersion,
                    ["kind"] = owner.Kind,
                    ["name"] = owner.Name,
                    ["uid"] = owner.Uid,
                    ["controller"] = owner.Controller ?? false,
                    ["blockOwnerDeletion"] = owner.BlockOwnerDeletion ?? false,
                }),
            },
        }.ToJsonString(),
        V1Patch.PatchType.MergePatch);

    /// <inheritdoc />
    public void Dispose() => (Client as IDisposable)?.Dispose();

    // The client hands a watch's ERROR event (410 Gone above all) and undecodable lines to a callback
    // and reads on; the server ends the watch after an ERROR. Thrown at the end, so that the
    // list-watch sees why the watch ended.
    static async IAsyncEnumerable<(WatchEventType, T)> ThrowingErrors<T>(
        Func<Action<Exception>, IAsyncEnumerable<(WatchEventType, T)>> watch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Exception? error = null;
        await foreach (var change in watch(e => error ??= e).WithCancellation(cancellationToken))
        {
            if (error is not null)
                break;
            yield return change;
        }

        if (error is not null)
            throw error;
    }

    static async ValueTask<Stream> ConnectWithKeepAliveAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        // TCP keep-alive notices a watch whose peer vanished without a FIN (node failure, NAT
        // timeout); without it an HTTP/1.1 watch could wait forever.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
