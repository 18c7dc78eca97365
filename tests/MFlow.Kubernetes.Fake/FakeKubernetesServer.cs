using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Certificates;
using MFlow.Kubernetes.Fake.Controllers;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Server;
using MFlow.Kubernetes.Fake.Store;

namespace MFlow.Kubernetes.Fake;

/// <summary>
/// An in-process fake of the Kubernetes API server for tests: HTTPS on loopback, bearer-token or
/// client-certificate auth, Jobs, Pods (with logs), Secrets, ConfigMaps and Leases stored untyped with
/// real validation, watch semantics and Status errors, plus a simulated Job controller, kubelet and
/// garbage collector that tests drive through the methods below.
/// </summary>
public sealed class FakeKubernetesServer : IAsyncDisposable
{
    private readonly FakeKubernetesOptions _options;
    private readonly ResourceRegistry _registry;
    private readonly ObjectStore _store;
    private readonly CertificateAuthority _authority;
    private readonly X509Certificate2 _serverCertificate;
    private readonly BackgroundWork _work;
    private readonly JobController _controller;
    private readonly Kubelet _kubelet;
    private readonly PodLogs _logs = new();
    private readonly FaultInjector _faults = new();
    private readonly RequestLog _requests = new();
    private readonly Lock _errorsGate = new();
    private readonly List<Exception> _controllerErrors = [];
    private KestrelHost? _host;

    private FakeKubernetesServer(FakeKubernetesOptions options)
    {
        _options = options;
        Token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _registry = new ResourceRegistry();
        _store = new ObjectStore(_registry, options.HistoryLimit);
        _authority = CertificateAuthority.Create("fake-kubernetes-ca");
        _serverCertificate = _authority.IssueServerCertificate();
        _work = new BackgroundWork(ReportError);
        _kubelet = new Kubelet(_store, _registry, _logs);
        _controller = new JobController(_store, _registry, _kubelet, _logs, _work, ReportError, options.DefaultWaitTimeout) { AutoRun = options.AutoRun };
    }

    /// <summary>The server's address, https://127.0.0.1:{port}/.</summary>
    public Uri BaseAddress => _host?.BaseAddress ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>The bearer token the server accepts (for <see cref="FakeKubernetesOptions.TokenUser"/>).</summary>
    public string Token { get; }

    /// <summary>The PEM of the CA that signed the server certificate; trust it to connect.</summary>
    public string CaCertificatePem => _authority.CertificatePem;

    /// <summary>
    /// Drives each new Job pod automatically: called with the new pod, it returns how that pod runs
    /// (null: leave it to the test). Used by benchmarks to complete each pod as soon as it exists.
    /// </summary>
    public Func<JsonObject, PodScript?>? AutoRun
    {
        get => _controller.AutoRun;
        set => _controller.AutoRun = value;
    }

    /// <summary>Every request answered so far, in the order their responses started.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.Snapshot();

    /// <summary>Every ADDED/MODIFIED/DELETED so far, in revision order (never compacted).</summary>
    public IReadOnlyList<ResourceEvent> Events => _store.Events;

    /// <summary>Failures inside the simulation (controller loop, AutoRun callbacks); empty when all went well.</summary>
    public IReadOnlyList<Exception> ControllerErrors
    {
        get
        {
            lock (_errorsGate)
            {
                return _controllerErrors.ToArray();
            }
        }
    }

    /// <summary>The current resourceVersion: the revision of the latest write.</summary>
    public string ResourceVersion => _store.CurrentRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates the CA and certificates and starts listening on a free loopback port.</summary>
    public static async Task<FakeKubernetesServer> StartAsync(FakeKubernetesOptions? options = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeKubernetesServer(options ?? new FakeKubernetesOptions());
        try
        {
            server._host = await KestrelHost.StartAsync(server._serverCertificate, server._authority.Validates, server.CreatePipeline().HandleAsync, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A kubeconfig (YAML) for this server: cluster "fake" with the CA, context "fake" with the namespace,
    /// and a user authenticating with <see cref="Token"/> or with a client certificate issued by the CA
    /// for <see cref="FakeKubernetesOptions.ClientCertificateUser"/>.
    /// </summary>
    public string CreateKubeconfig(string @namespace = "default", bool useClientCertificate = false)
    {
        if (!useClientCertificate)
        {
            return Kubeconfig.WithToken(BaseAddress, CaCertificatePem, @namespace, Token);
        }

        using var certificate = IssueClientCertificate(_options.ClientCertificateUser, "system:masters");
        return Kubeconfig.WithClientCertificate(BaseAddress, CaCertificatePem, @namespace, certificate);
    }

    /// <summary>A client certificate (with its private key) the server accepts, authenticating as <paramref name="user"/>.</summary>
    public X509Certificate2 IssueClientCertificate(string user, params string[] groups) => _authority.IssueClientCertificate(user, groups);

    /// <summary>A copy of a stored object, or null. <paramref name="resource"/> is "jobs", "pods", "secrets", "configmaps" or "leases".</summary>
    public JsonObject? GetObject(string resource, string @namespace, string name) => _store.Get(_registry.ByPlural(resource), @namespace, name);

    /// <summary>Copies of the stored objects of a resource, in one namespace or all, ordered by namespace and name.</summary>
    public IReadOnlyList<JsonObject> List(string resource, string? @namespace = null) =>
        _store.List(_registry.ByPlural(resource), @namespace, LabelSelector.Everything, FieldSelector.Everything).Items;

    /// <summary>The pods of a Job, ordered by name.</summary>
    public IReadOnlyList<JsonObject> GetJobPods(string @namespace, string jobName) =>
        _store.List(_registry.Pods, @namespace, LabelSelector.Parse($"batch.kubernetes.io/job-name={jobName}"), FieldSelector.Everything).Items;

    /// <summary>
    /// Starts the Job's active pod: Running, containers ready; the Job's status.ready becomes 1. A pod naming a
    /// Secret or ConfigMap (or key) that does not exist cannot start, as on a real node: this waits until it
    /// exists, and throws <see cref="InvalidOperationException"/> with the kubelet's reason after the wait timeout.
    /// </summary>
    public async Task SetPodRunningAsync(string @namespace, string jobName, CancellationToken cancellationToken = default)
    {
        var pod = await _controller.ActivePodAsync(@namespace, jobName, cancellationToken);
        await _controller.WaitUntilStartableAsync(@namespace, pod, cancellationToken);
        await _controller.WaitForRevisionAsync(_kubelet.SetRunning(@namespace, pod), cancellationToken);
    }

    /// <summary>Keeps the Job's active pod waiting, e.g. reason ImagePullBackOff with the kubelet's message.</summary>
    public async Task SetPodWaitingAsync(string @namespace, string jobName, string reason, string message, CancellationToken cancellationToken = default)
    {
        var pod = await _controller.ActivePodAsync(@namespace, jobName, cancellationToken);
        await _controller.WaitForRevisionAsync(_kubelet.SetWaiting(@namespace, pod, reason, message), cancellationToken);
    }

    /// <summary>
    /// Terminates the Job's active pod: exit 0 succeeds it (and the Job), anything else fails it (the Job
    /// retries with a new pod until its backoffLimit). <paramref name="log"/> is appended to the main
    /// container's log. Returns once the Job controller has reacted. A pod that cannot start is waited
    /// for as by <see cref="SetPodRunningAsync"/>.
    /// </summary>
    public async Task CompletePodAsync(string @namespace, string jobName, int exitCode, string log = "", string? terminationMessage = null, CancellationToken cancellationToken = default)
    {
        var pod = await _controller.ActivePodAsync(@namespace, jobName, cancellationToken);
        await _controller.WaitUntilStartableAsync(@namespace, pod, cancellationToken);
        await _controller.WaitForRevisionAsync(_kubelet.Complete(@namespace, pod, exitCode, log, terminationMessage), cancellationToken);
    }

    /// <summary>
    /// Evicts the Job's active pod as the kubelet does under node pressure (pod Failed, reason Evicted,
    /// condition DisruptionTarget). A Job whose podFailurePolicy ignores DisruptionTarget gets a new pod
    /// without counting a failure; otherwise the eviction counts against its backoffLimit.
    /// </summary>
    public async Task EvictPodAsync(string @namespace, string jobName, string message = "The node was low on resource: memory.", CancellationToken cancellationToken = default)
    {
        var pod = await _controller.ActivePodAsync(@namespace, jobName, cancellationToken);
        await _controller.WaitForRevisionAsync(_kubelet.Evict(@namespace, pod, message), cancellationToken);
    }

    /// <summary>Appends to a container's log of the Job's active pod (the main container when null), as a running program would.</summary>
    public async Task AppendPodLogAsync(string @namespace, string jobName, string text, string? container = null, CancellationToken cancellationToken = default)
    {
        var pod = await _controller.ActivePodAsync(@namespace, jobName, cancellationToken);
        _kubelet.AppendLog(@namespace, pod, container, text);
    }

    /// <summary>
    /// When set, a Job the controller ends with pods still running (deadline passed, completions reached with
    /// more pods) stays in its interim condition (<c>FailureTarget</c> / <c>SuccessCriteriaMet</c>) with those
    /// pods terminating, until <see cref="ReleasePodTerminationsAsync"/>: the window a real cluster shows
    /// while the kubelet stops the containers.
    /// </summary>
    public bool HoldPodTermination
    {
        get => _controller.HoldPodTermination;
        set => _controller.HoldPodTermination = value;
    }

    /// <summary>Lets the pods held by <see cref="HoldPodTermination"/> terminate; returns once their Jobs reached the final condition.</summary>
    public Task ReleasePodTerminationsAsync(CancellationToken cancellationToken = default) => _controller.ReleasePodTerminationsAsync(cancellationToken);

    /// <summary>
    /// Fails the Job as if its activeDeadlineSeconds passed: condition FailureTarget/DeadlineExceeded, the
    /// active pods deleted and killed, then condition Failed (unless <see cref="HoldPodTermination"/>).
    /// </summary>
    public async Task ExceedJobDeadlineAsync(string @namespace, string jobName, CancellationToken cancellationToken = default)
    {
        if (!await _controller.ExceedDeadlineAsync(@namespace, jobName, null, null, cancellationToken))
        {
            throw new InvalidOperationException($"Job {@namespace}/{jobName} does not exist or has already finished.");
        }

        await _controller.CatchUpAsync(cancellationToken);
    }

    /// <summary>Waits until the simulation (Job controller, garbage collector) has handled every write so far.</summary>
    public Task WaitForControllersAsync(CancellationToken cancellationToken = default) => _controller.CatchUpAsync(cancellationToken);

    /// <summary>Abruptly ends every open client watch, as a dropped connection would.</summary>
    public void DropWatches() => _store.DropWatches();

    /// <summary>Compacts the history: watches from any older resourceVersion get 410 Gone (reason Expired).</summary>
    public void CompactHistory() => _store.Compact();

    /// <summary>
    /// Makes the next <paramref name="count"/> requests whose path and query contain <paramref name="pathContains"/>
    /// (all when null) fail with <paramref name="statusCode"/>, a Status body and, if given, a Retry-After header.
    /// </summary>
    public void InjectFaults(int count, int statusCode, TimeSpan? retryAfter = null, string? pathContains = null) =>
        _faults.Add(count, statusCode, retryAfter, pathContains);

    /// <summary>Forgets faults injected but not yet used.</summary>
    public void ClearFaults() => _faults.Clear();

    /// <summary>Forgets the recorded requests.</summary>
    public void ResetRequests() => _requests.Clear();

    /// <summary>Forgets the recorded events (watch history is unaffected).</summary>
    public void ResetEvents() => _store.ResetEvents();

    /// <summary>
    /// Waits, driven by store events, until the object exists and satisfies <paramref name="condition"/>; returns
    /// that version of it. Throws <see cref="TimeoutException"/> (naming the last version seen) on timeout.
    /// </summary>
    public async Task<JsonObject> WaitForObjectAsync(string resource, string @namespace, string name, Func<JsonObject, bool>? condition = null, TimeSpan? timeout = null)
    {
        var type = _registry.ByPlural(resource);
        var limit = timeout ?? _options.DefaultWaitTimeout;
        using var subscription = _store.Subscribe(WatchFilter.For(type.Plural, @namespace, fields: FieldSelector.ForName(name)), null, includeInitial: true, isInternal: true);
        using var timer = new CancellationTokenSource(limit);
        string? lastSeen = null;
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(timer.Token))
            {
                if (e.Type is "ADDED" or "MODIFIED")
                {
                    lastSeen = e.ObjectJson;
                    var obj = KubeJson.ParseObject(e.ObjectJson);
                    if (condition is null || condition(obj))
                    {
                        return obj;
                    }
                }
                else if (e.Type == "DELETED")
                {
                    lastSeen = null;
                }
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            // Reported below with what was last seen.
        }

        throw new TimeoutException($"Timed out after {limit} waiting for {resource} {@namespace}/{name}; last seen: {lastSeen ?? "(does not exist)"}");
    }

    /// <summary>Waits, driven by store events, until the object does not exist.</summary>
    public async Task WaitForDeletionAsync(string resource, string @namespace, string name, TimeSpan? timeout = null)
    {
        var type = _registry.ByPlural(resource);
        var limit = timeout ?? _options.DefaultWaitTimeout;

        // Subscribe before looking, so that a deletion between the two cannot be missed.
        using var subscription = _store.Subscribe(WatchFilter.For(type.Plural, @namespace, fields: FieldSelector.ForName(name)), null, includeInitial: false, isInternal: true);
        if (_store.Get(type, @namespace, name) is null)
        {
            return;
        }

        using var timer = new CancellationTokenSource(limit);
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(timer.Token))
            {
                if (e.Type == "DELETED")
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            // Reported below.
        }

        throw new TimeoutException($"Timed out after {limit} waiting for {resource} {@namespace}/{name} to be deleted; it is {KubeJson.Serialize(_store.Get(type, @namespace, name) ?? [])}");
    }

    /// <summary>Stops the listener, cuts open watches, cancels the simulation's timers and frees the certificates.</summary>
    public async ValueTask DisposeAsync()
    {
        // End long-running responses first (watches, followed logs), or stopping Kestrel would wait for them.
        await _work.CancelAsync();
        _store.DropWatches();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _work.DisposeAsync();
        await _controller.DisposeAsync();
        _serverCertificate.Dispose();
        _authority.Dispose();
    }

    private ApiPipeline CreatePipeline()
    {
        var tokens = new Dictionary<string, string>(_options.AdditionalTokens, StringComparer.Ordinal) { [Token] = _options.TokenUser };
        return new ApiPipeline(
            _registry,
            new Authenticator(tokens, _authority),
            _options.Authorize,
            _faults,
            _requests,
            new DiscoveryEndpoints(_registry, _options.KubernetesVersion),
            new ResourceEndpoints(_store, _controller.Collector),
            new WatchEndpoint(_store, _options.BookmarkInterval, _work.Stopping),
            new PodLogEndpoint(_store, _registry, _logs, _work.Stopping));
    }

    private void ReportError(Exception error)
    {
        lock (_errorsGate)
        {
            _controllerErrors.Add(error);
        }
    }
}
