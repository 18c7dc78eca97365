using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using MFlow.Kubernetes.Configuration;
using MFlow.Kubernetes.Models;
using MFlow.Kubernetes.Watching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Kubernetes;

/// <summary>
/// A typed client for the parts of the Kubernetes REST API MFlow uses, over one pooled
/// <see cref="HttpClient"/>. Thread-safe; create one per connection and share it. Requests pass
/// a client-side token bucket, 429 and 5xx answers (and network errors of idempotent calls) are
/// retried with exponential backoff and jitter, honouring <c>Retry-After</c>.
/// </summary>
public sealed partial class KubernetesClient : IKubernetesClient, IDisposable
{
    private readonly KubernetesConnection _connection;
    private readonly KubernetesClientOptions _options;
    private readonly HttpClient _http;
    private readonly RateLimiter? _rateLimiter;
    private readonly ILogger _logger;
    private readonly string _baseUrl;
    private long _requestCount;

    /// <summary>Creates a client for <paramref name="connection"/>.</summary>
    /// <param name="connection">The server and credentials.</param>
    /// <param name="options">Retry, timeout and rate-limit tuning; defaults when null.</param>
    /// <param name="logger">Receives retry and token-refresh messages (never credentials or bodies).</param>
    public KubernetesClient(KubernetesConnection connection, KubernetesClientOptions? options = null, ILogger<KubernetesClient>? logger = null)
        : this(connection, options ?? new KubernetesClientOptions(), handler: null, logger)
    {
    }

    /// <summary>Creates a client sending through <paramref name="handler"/> (tests), or through the connection's own handler when null.</summary>
    internal KubernetesClient(KubernetesConnection connection, KubernetesClientOptions options, HttpMessageHandler? handler, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _connection = connection;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _baseUrl = connection.Server.GetLeftPart(UriPartial.Path).TrimEnd('/');

        // Timeouts are applied per attempt by SendAsync: a watch must be able to stay open for minutes.
        _http = new HttpClient(handler ?? connection.CreateHandler(options.PooledConnectionLifetime), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _rateLimiter = options.RateLimitEnabled ? CreateRateLimiter(options.QueriesPerSecond, options.Burst) : null;
    }

    /// <inheritdoc />
    public string DefaultNamespace => _connection.Namespace;

    /// <summary>HTTP requests sent so far, retries included.</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <inheritdoc />
    public Task<Job> CreateJobAsync(string @namespace, Job job, CancellationToken cancellationToken = default) =>
        CreateAsync(ResourceTypes.Jobs, @namespace, job, cancellationToken);

    /// <inheritdoc />
    public Task<Job> GetJobAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        GetAsync(ResourceTypes.Jobs, @namespace, name, cancellationToken);

    /// <inheritdoc />
    public Task<JobList> ListJobsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        ListAsync(ResourceTypes.Jobs, @namespace, options, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<WatchEvent<Job>> WatchJobsAsync(string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default) =>
        WatchAsync(ResourceTypes.Jobs, @namespace, options, cancellationToken);

    /// <inheritdoc />
    public Task DeleteJobAsync(string @namespace, string name, PropagationPolicy propagation = PropagationPolicy.Background, CancellationToken cancellationToken = default) =>
        DeleteAsync(ResourceTypes.Jobs, @namespace, name, propagation, cancellationToken);

    /// <inheritdoc />
    public Task<Job> PatchJobAsync(string @namespace, string name, string mergePatchJson, CancellationToken cancellationToken = default) =>
        PatchAsync(ResourceTypes.Jobs, @namespace, name, mergePatchJson, cancellationToken);

    /// <inheritdoc />
    public Task<Pod> GetPodAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        GetAsync(ResourceTypes.Pods, @namespace, name, cancellationToken);

    /// <inheritdoc />
    public Task<PodList> ListPodsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        ListAsync(ResourceTypes.Pods, @namespace, options, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<WatchEvent<Pod>> WatchPodsAsync(string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default) =>
        WatchAsync(ResourceTypes.Pods, @namespace, options, cancellationToken);

    /// <inheritdoc />
    public async Task<string> ReadPodLogAsync(string @namespace, string name, PodLogOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new PodLogOptions();
        var query = new QueryBuilder()
            .Add("container", options.Container)
            .Add("tailLines", options.TailLines)
            .Add("limitBytes", options.LimitBytes)
            .Add("sinceSeconds", options.SinceSeconds)
            .Add("previous", options.Previous ? "true" : null)
            .Add("timestamps", options.Timestamps ? "true" : null);
        var path = ResourceTypes.Pods.Path(@namespace, name, "log") + query;
        using var response = await SendAsync(HttpMethod.Get, path, body: null, contentType: null, "text/plain, */*", streaming: false, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<Secret> CreateSecretAsync(string @namespace, Secret secret, CancellationToken cancellationToken = default) =>
        CreateAsync(ResourceTypes.Secrets, @namespace, secret, cancellationToken);

    /// <inheritdoc />
    public Task<Secret> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        GetAsync(ResourceTypes.Secrets, @namespace, name, cancellationToken);

    /// <inheritdoc />
    public Task<SecretList> ListSecretsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        ListAsync(ResourceTypes.Secrets, @namespace, options, cancellationToken);

    /// <inheritdoc />
    public Task DeleteSecretAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        DeleteAsync(ResourceTypes.Secrets, @namespace, name, PropagationPolicy.Background, cancellationToken);

    /// <inheritdoc />
    public Task<ConfigMap> CreateConfigMapAsync(string @namespace, ConfigMap configMap, CancellationToken cancellationToken = default) =>
        CreateAsync(ResourceTypes.ConfigMaps, @namespace, configMap, cancellationToken);

    /// <inheritdoc />
    public Task<ConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        GetAsync(ResourceTypes.ConfigMaps, @namespace, name, cancellationToken);

    /// <inheritdoc />
    public Task<ConfigMapList> ListConfigMapsAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        ListAsync(ResourceTypes.ConfigMaps, @namespace, options, cancellationToken);

    /// <inheritdoc />
    public Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        DeleteAsync(ResourceTypes.ConfigMaps, @namespace, name, PropagationPolicy.Background, cancellationToken);

    /// <inheritdoc />
    public Task<Lease> GetLeaseAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        GetAsync(ResourceTypes.Leases, @namespace, name, cancellationToken);

    /// <inheritdoc />
    public Task<Lease> CreateLeaseAsync(string @namespace, Lease lease, CancellationToken cancellationToken = default) =>
        CreateAsync(ResourceTypes.Leases, @namespace, lease, cancellationToken);

    /// <inheritdoc />
    public async Task<Lease> ReplaceLeaseAsync(string @namespace, Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(lease.Metadata.Name);
        var body = JsonSerializer.SerializeToUtf8Bytes(lease, KubernetesJsonContext.Default.Lease);
        using var response = await SendAsync(HttpMethod.Put, ResourceTypes.Leases.Path(@namespace, lease.Metadata.Name), body, "application/json", "application/json", streaming: false, cancellationToken);
        return await ReadAsync(response, KubernetesJsonContext.Default.Lease, cancellationToken);
    }

    /// <summary>Closes pooled connections and stops the rate limiter.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _rateLimiter?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"KubernetesClient {_connection}";

    private async Task<T> CreateAsync<T, TList>(ResourceType<T, TList> type, string @namespace, T item, CancellationToken cancellationToken)
        where T : IKubernetesObject
        where TList : IKubernetesList<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentNullException.ThrowIfNull(item);
        if (item.Metadata.Namespace is { Length: > 0 } own && own != @namespace)
        {
            throw new ArgumentException($"The object's namespace '{own}' differs from the namespace '{@namespace}' it is created in.", nameof(item));
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(item, type.Item);
        using var response = await SendAsync(HttpMethod.Post, type.Path(@namespace), body, "application/json", "application/json", streaming: false, cancellationToken);
        return await ReadAsync(response, type.Item, cancellationToken);
    }

    private async Task<T> GetAsync<T, TList>(ResourceType<T, TList> type, string @namespace, string name, CancellationToken cancellationToken)
        where T : IKubernetesObject
        where TList : IKubernetesList<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var response = await SendAsync(HttpMethod.Get, type.Path(@namespace, name), body: null, contentType: null, "application/json", streaming: false, cancellationToken);
        return await ReadAsync(response, type.Item, cancellationToken);
    }

    private async Task<TList> ListAsync<T, TList>(ResourceType<T, TList> type, string? @namespace, ListOptions? options, CancellationToken cancellationToken)
        where T : IKubernetesObject
        where TList : IKubernetesList<T>
    {
        ThrowIfEmptyNamespace(@namespace);
        var query = new QueryBuilder()
            .Add("labelSelector", options?.LabelSelector)
            .Add("fieldSelector", options?.FieldSelector)
            .Add("limit", options?.Limit)
            .Add("continue", options?.Continue);
        using var response = await SendAsync(HttpMethod.Get, type.Path(@namespace) + query, body: null, contentType: null, "application/json", streaming: false, cancellationToken);
        return await ReadAsync(response, type.List, cancellationToken);
    }

    private async Task DeleteAsync<T, TList>(ResourceType<T, TList> type, string @namespace, string name, PropagationPolicy propagation, CancellationToken cancellationToken)
        where T : IKubernetesObject
        where TList : IKubernetesList<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var policy = propagation switch
        {
            PropagationPolicy.Background => "Background",
            PropagationPolicy.Foreground => "Foreground",
            PropagationPolicy.Orphan => "Orphan",
            _ => throw new ArgumentOutOfRangeException(nameof(propagation), propagation, null),
        };

        // The policy goes in the DeleteOptions body, the canonical form, and in the query too,
        // because some proxies drop the body of a DELETE; the server accepts either.
        var body = JsonSerializer.SerializeToUtf8Bytes(new DeleteOptions { PropagationPolicy = policy }, KubernetesJsonContext.Default.DeleteOptions);
        var path = type.Path(@namespace, name) + new QueryBuilder().Add("propagationPolicy", policy);
        using var response = await SendAsync(HttpMethod.Delete, path, body, "application/json", "application/json", streaming: false, cancellationToken);
    }

    private async Task<T> PatchAsync<T, TList>(ResourceType<T, TList> type, string @namespace, string name, string mergePatchJson, CancellationToken cancellationToken)
        where T : IKubernetesObject
        where TList : IKubernetesList<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(mergePatchJson);
        var body = Encoding.UTF8.GetBytes(mergePatchJson);
        using var response = await SendAsync(HttpMethod.Patch, type.Path(@namespace, name), body, "application/merge-patch+json", "application/json", streaming: false, cancellationToken);
        return await ReadAsync(response, type.Item, cancellationToken);
    }

    private async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T, TList>(
        ResourceType<T, TList> type,
        string? @namespace,
        WatchOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : IKubernetesObject
        where TList : IKubernetesList<T>
    {
        ThrowIfEmptyNamespace(@namespace);
        options ??= new WatchOptions();
        var query = new QueryBuilder()
            .Add("watch", "true")
            .Add("resourceVersion", options.ResourceVersion is { Length: > 0 } ? options.ResourceVersion : null)
            .Add("allowWatchBookmarks", options.AllowBookmarks ? "true" : null)
            .Add("timeoutSeconds", options.Timeout is { } timeout ? (long)Math.Ceiling(timeout.TotalSeconds) : null)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector);
        var path = type.Path(@namespace) + query;

        using var response = await SendAsync(HttpMethod.Get, path, body: null, contentType: null, "application/json", streaming: true, cancellationToken);

        // The server ends the watch after the timeout; if the connection died silently, this
        // deadline ends it on our side, so a caller resumes instead of waiting forever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout is { } serverTimeout)
        {
            deadline.CancelAfter(serverTimeout + TimeSpan.FromSeconds(30));
        }

        using var reader = new WatchStreamReader<T>(await response.Content.ReadAsStreamAsync(cancellationToken), type.Item, $"GET {type.Path(@namespace)}");
        while (true)
        {
            WatchEvent<T>? watchEvent;
            try
            {
                watchEvent = await reader.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            if (watchEvent is null)
            {
                yield break;
            }

            yield return watchEvent;
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken)
            ?? throw new InvalidDataException($"The server answered {(int)response.StatusCode} with an empty body.");
    }

    private static void ThrowIfEmptyNamespace(string? @namespace)
    {
        if (@namespace is { Length: 0 })
        {
            throw new ArgumentException("Pass null for all namespaces, not an empty string.", nameof(@namespace));
        }
    }

    private static TokenBucketRateLimiter CreateRateLimiter(double queriesPerSecond, int burst)
    {
        // Refill in steps of 100 ms at high rates (fewer timer ticks), one token per step at low rates.
        var (period, tokens) = queriesPerSecond >= 10
            ? (TimeSpan.FromMilliseconds(100), (int)Math.Max(1, Math.Round(queriesPerSecond / 10)))
            : (TimeSpan.FromSeconds(1 / queriesPerSecond), 1);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            AutoReplenishment = true,

            // Callers wait their turn rather than fail: the limit protects the server, it is not an error.
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }
}
