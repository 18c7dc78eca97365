using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Scheduler.Api;
using MFlow.ServiceDefaults;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// MFlow with the Kubernetes executor: the scheduler, the aggregator and the three workers as separate
/// OS processes over a fresh RabbitMQ virtual host and PostgreSQL database, the workers speaking the
/// Kubernetes API (HTTPS, bearer token, from a kubeconfig file) to the fake API server in this process.
/// Pods are driven per task name with <see cref="Script"/> (AutoRun) or by the test through the fake's controls.
/// One process of each service unless a subclass asks for replicas (<see cref="ReplicatedKubernetesCluster"/>).
/// </summary>
public class KubernetesCluster : IAsyncLifetime
{
    /// <summary>The namespace the workers run task Jobs in.</summary>
    public const string Namespace = "mflow-it";

    /// <summary>How long the services may take to become ready (five .NET hosts starting at once).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long the workers let a pod wait for its image before its task fails (MFlow:Kubernetes:ImagePullGrace; 2 minutes by default).</summary>
    public static readonly TimeSpan ImagePullGrace = TimeSpan.FromSeconds(4);

    /// <summary>How long a small pipeline may take.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    /// <summary>What the tests read from the spy: the commands the workers get and what they report.</summary>
    static readonly Type[] SpiedTypes =
    [
        typeof(Contracts.RunBuildTask), typeof(Contracts.RunDeployTask), typeof(Contracts.RunVmTask), typeof(Contracts.CancelTask),
        typeof(Contracts.TaskUpdated), typeof(Contracts.PipelineRunSucceeded), typeof(Contracts.PipelineRunFailed), typeof(Contracts.PipelineRunCancelled),
        typeof(Contracts.PipelineRunWaitingForApproval),
    ];

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly Dictionary<string, ServiceProcess> _services = [];
    readonly ConcurrentDictionary<string, PodScript> _scripts = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Func<int, PodScript?>> _attemptScripts = new(StringComparer.Ordinal);
    readonly string _adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
    readonly string _directory = Directory.CreateTempSubdirectory("mflow-k8s-it-").FullName;
    readonly ClusterReplicas _replicas;
    readonly IReadOnlyDictionary<string, string?> _workerSettings;
    IBusControl? _bus;

    /// <summary>One process of each service.</summary>
    public KubernetesCluster()
        : this(new ClusterReplicas(1, 1, 1))
    {
    }

    /// <summary>
    /// The given number of processes of each service; workers elect their trackers' leader when there
    /// are several. <paramref name="workerSettings"/> go to every worker's environment as well.
    /// </summary>
    protected KubernetesCluster(ClusterReplicas replicas, IReadOnlyDictionary<string, string?>? workerSettings = null)
    {
        _replicas = replicas;
        _workerSettings = workerSettings ?? new Dictionary<string, string?>();
    }

    /// <summary>The fake API server the workers talk to.</summary>
    public FakeKubernetesServer Kubernetes { get; private set; } = null!;

    /// <summary>The kubeconfig file the workers are given.</summary>
    public string KubeconfigPath => Path.Combine(_directory, "kubeconfig");

    /// <summary>When the workers started (every API request they made is after this).</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The virtual host every service uses.</summary>
    public RabbitMqVirtualHost VirtualHost { get; private set; } = null!;

    /// <summary>The database the scheduler and aggregator use.</summary>
    public PostgresDatabase Database { get; private set; } = null!;

    /// <summary>A copy of every message MFlow publishes (its queue is bound to each message type's exchange).</summary>
    public MessageSpy Spy { get; private set; } = null!;

    /// <summary>The scheduler's HTTP API, with an operator's key.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The (first) scheduler: the one <see cref="Api"/> talks to.</summary>
    public ServiceProcess Scheduler => Schedulers[0];

    /// <summary>The (first) aggregator.</summary>
    public ServiceProcess Aggregator => Aggregators[0];

    /// <summary>The (first) build worker.</summary>
    public ServiceProcess BuildWorker => WorkersOf(JobKind.Build)[0];

    /// <summary>The (first) deploy worker.</summary>
    public ServiceProcess DeployWorker => WorkersOf(JobKind.Deploy)[0];

    /// <summary>The (first) VM worker.</summary>
    public ServiceProcess VmWorker => WorkersOf(JobKind.Vm)[0];

    /// <summary>Every scheduler process.</summary>
    public IReadOnlyList<ServiceProcess> Schedulers => Of("scheduler");

    /// <summary>Every aggregator process.</summary>
    public IReadOnlyList<ServiceProcess> Aggregators => Of("aggregator");

    /// <summary>Every worker process of a kind.</summary>
    public IReadOnlyList<ServiceProcess> WorkersOf(JobKind kind) => Of($"{kind.ToString().ToLowerInvariant()}-worker");

    /// <summary>Every service process.</summary>
    public IReadOnlyList<ServiceProcess> Services => [.. _services.Values];

    /// <summary>How long a tracker's leadership lasts without renewal, when workers elect a leader.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(5);

    /// <summary>How often a standing-by worker looks at its kind's Lease.</summary>
    public static readonly TimeSpan LeaseRetryPeriod = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        Kubernetes = await FakeKubernetesServer.StartAsync();
        Kubernetes.AutoRun = pod =>
            pod["metadata"]?["annotations"]?["mflow.dev/task-name"]?.GetValue<string>() is not { } task ? null
            : _attemptScripts.TryGetValue(task, out var byAttempt) && int.TryParse(pod["metadata"]?["labels"]?["mflow.dev/attempt"]?.GetValue<string>(), out var attempt) ? byAttempt(attempt)
            : _scripts.TryGetValue(task, out var script) ? script : null;
        await File.WriteAllTextAsync(KubeconfigPath, Kubernetes.CreateKubeconfig(Namespace));
        await OperatorSecrets.CreateAsync(Kubernetes, Namespace);
        VirtualHost = await RabbitMqVirtualHost.CreateAsync();
        Database = await PostgresDatabase.CreateAsync();
        Spy = await MessageSpy.StartAsync(VirtualHost.Url, SpiedTypes);

        StartedAt = DateTimeOffset.UtcNow;
        for (var i = 1; i <= _replicas.Schedulers; i++)
            Start("MFlow.Scheduler", Name("scheduler", i, _replicas.Schedulers), new() { ["MFlow__Api__AdminKey"] = _adminKey });
        for (var i = 1; i <= _replicas.Aggregators; i++)
            Start("MFlow.Aggregator", Name("aggregator", i, _replicas.Aggregators), []);
        var elect = _replicas.WorkersPerKind > 1;
        foreach (var (project, kind) in new[] { ("MFlow.Workers.Build", "build"), ("MFlow.Workers.Deploy", "deploy"), ("MFlow.Workers.Vm", "vm") })
        {
            for (var i = 1; i <= _replicas.WorkersPerKind; i++)
            {
                Start(project, Name($"{kind}-worker", i, _replicas.WorkersPerKind), new(_workerSettings)
                {
                    ["MFlow__Worker__Executor"] = "kubernetes",
                    ["MFlow__Kubernetes__Kubeconfig"] = KubeconfigPath,
                    ["MFlow__Kubernetes__Namespace"] = Namespace,
                    ["MFlow__Kubernetes__LeaderElection__Enabled"] = elect ? "true" : "false",
                    ["MFlow__Kubernetes__LeaderElection__LeaseDuration"] = LeaseDuration.ToString(),
                    ["MFlow__Kubernetes__LeaderElection__RenewDeadline"] = (LeaseDuration * 0.7).ToString(),
                    ["MFlow__Kubernetes__LeaderElection__RenewPeriod"] = (LeaseDuration * 0.3).ToString(),
                    ["MFlow__Kubernetes__LeaderElection__RetryPeriod"] = LeaseRetryPeriod.ToString(),
                    ["MFlow__Kubernetes__ImagePullGrace"] = ImagePullGrace.ToString(),
                });
            }
        }

        // A worker is ready once its bus is connected and its trackers have listed the Jobs.
        // Thirteen hosts starting at once on two cores take longer than five: the time scales with them.
        var startTimeout = StartTimeout * Math.Max(1.0, _services.Count / 5.0);
        await Task.WhenAll(_services.Values.Select(service => service.WaitUntilHealthyAsync(startTimeout)));
        Api = ApiKeys.Client(Scheduler.BaseAddress, _adminKey);
    }

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_bus is not null)
            await _bus.StopAsync();
        await Task.WhenAll(_services.Values.Select(service => service.DisposeAsync().AsTask()));
        if (Spy is not null)
            await Spy.DisposeAsync();
        if (VirtualHost is not null)
            await VirtualHost.DisposeAsync();
        if (Database is not null)
            await Database.DisposeAsync();
        if (Kubernetes is not null)
            await Kubernetes.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>How the pods of the tasks named <paramref name="taskName"/> run from now on (null: the test drives them).</summary>
    public void Script(string taskName, PodScript? script)
    {
        if (script is null)
            _scripts.TryRemove(taskName, out _);
        else
            _scripts[taskName] = script;
    }

    /// <summary>How the pods of each attempt of the tasks named <paramref name="taskName"/> run (over <see cref="Script"/>).</summary>
    public void ScriptAttempts(string taskName, Func<int, PodScript?> script) => _attemptScripts[taskName] = script;

    /// <summary>The Job of one attempt of a task, once a worker created it.</summary>
    public async Task<JsonObject> JobOfAttemptAsync(Guid taskId, int attempt) =>
        (await Eventually.UntilAsync(
            () => Task.FromResult(Kubernetes.List("jobs", Namespace).FirstOrDefault(job =>
                Label(job, "mflow.dev/task-id") == taskId.ToString() && Label(job, "mflow.dev/attempt") == attempt.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            job => job is not null,
            RunTimeout,
            $"a Job for attempt {attempt} of task {taskId} exists"))!;

    /// <summary>Starts a run through the HTTP API and returns its id.</summary>
    public Task<Guid> SubmitAsync(string document) =>
        RunSubmission.SubmitAsync(Api, document, "application/yaml", () => Scheduler.OutputTail(20));

    /// <summary>POST /api/v1/runs/{id}/cancel.</summary>
    public async Task CancelAsync(Guid runId)
    {
        using var response = await Api.PostAsync($"/api/v1/runs/{runId}/cancel?reason=changed+my+mind", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>GET /api/v1/runs/{id}.</summary>
    public async Task<RunView> GetRunAsync(Guid runId)
    {
        using var response = await Api.GetAsync($"/api/v1/runs/{runId}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<RunView>(Json))!;
    }

    /// <summary>Polls the run until it is Succeeded, Failed or Cancelled.</summary>
    public Task<RunView> WaitUntilFinalAsync(Guid runId, TimeSpan? timeout = null) =>
        WaitForRunAsync(runId, run => Runs.IsFinal(run.State), "final", timeout);

    /// <summary>Polls the run until <paramref name="condition"/> holds.</summary>
    public async Task<RunView> WaitForRunAsync(Guid runId, Func<RunView, bool> condition, string description, TimeSpan? timeout = null)
    {
        try
        {
            var run = await Eventually.UntilAsync(
                async () => Runs.Describe(await GetRunAsync(runId)), described => condition(described.View), timeout ?? RunTimeout, $"run {runId} is {description}");
            return run.View;
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\n{DescribeServices()}", exception);
        }
    }

    /// <summary>The name of the task's Job (attempt 1), once a worker created it.</summary>
    public async Task<string> JobOfAsync(Guid taskId) =>
        (await Eventually.UntilAsync(
            () => Task.FromResult(Kubernetes.List("jobs", Namespace).FirstOrDefault(job => Label(job, "mflow.dev/task-id") == taskId.ToString())),
            job => job is not null,
            RunTimeout,
            $"a Job for task {taskId} exists"))!["metadata"]!["name"]!.GetValue<string>();

    /// <summary>The TaskUpdated messages published for a task so far.</summary>
    public async Task<IReadOnlyList<Contracts.TaskUpdated>> UpdatesOfAsync(Guid taskId) =>
        (await Spy.MessagesAsync<Contracts.TaskUpdated>()).Where(u => u.TaskId == taskId).ToList();

    /// <summary>Waits until the spy holds a message of type <typeparamref name="T"/> matching <paramref name="match"/>; returns all that match.</summary>
    public async Task<IReadOnlyList<T>> WaitForMessagesAsync<T>(Func<T, bool> match, string description)
        where T : class =>
        await Eventually.UntilAsync(
            async () => (await Spy.MessagesAsync<T>()).Where(match).ToList(), messages => messages.Count > 0, RunTimeout, description);

    /// <summary>A MassTransit bus on the cluster's virtual host, for publishing as another service would.</summary>
    public async Task<IBus> BusAsync()
    {
        _bus ??= await TestBus.StartAsync(VirtualHost.Url);
        return _bus;
    }

    /// <summary>Every service's recent output, for failure messages.</summary>
    public string DescribeServices(int lines = 30) => ServiceProcess.Describe(_services.Values, lines);

    /// <summary>Who holds the tracker Lease of a kind (a worker's instance name, which is its process's name), or null.</summary>
    public string? TrackerLeader(JobKind kind) => TrackerLease(kind).Holder;

    /// <summary>The tracker Lease of a kind: its holder, and when the holder acquired it (by the holder's clock).</summary>
    public (string? Holder, DateTimeOffset? AcquiredAt) TrackerLease(JobKind kind)
    {
        var spec = Kubernetes.GetObject("leases", Namespace, $"mflow-{kind.ToString().ToLowerInvariant()}-tracker")?["spec"];
        var acquired = spec?["acquireTime"]?.GetValue<string>();
        return (spec?["holderIdentity"]?.GetValue<string>(), acquired is null ? null : DateTimeOffset.Parse(acquired, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A label of a stored object.</summary>
    public static string? Label(JsonObject obj, string name) => obj["metadata"]?["labels"]?[name]?.GetValue<string>();

    static string Name(string service, int index, int count) => count == 1 ? service : $"{service}-{index}";

    IReadOnlyList<ServiceProcess> Of(string service) =>
        [.. _services.Where(s => s.Key == service || s.Key.StartsWith(service + "-", StringComparison.Ordinal) && char.IsDigit(s.Key[^1])).Select(s => s.Value)];

    void Start(string project, string name, Dictionary<string, string?> extra)
    {
        var environment = new Dictionary<string, string?>(extra)
        {
            ["ConnectionStrings__RabbitMq"] = VirtualHost.Url.ToString(),
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
            ["MFlow__Worker__InstanceId"] = name,
        };
        _services[name] = ServiceProcess.Start(project, environment, name);
    }
}

/// <summary>The Kubernetes end-to-end tests share one cluster and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class KubernetesClusterCollection : ICollectionFixture<KubernetesCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "kubernetes cluster";
}

/// <summary>How many processes of each service a <see cref="KubernetesCluster"/> runs.</summary>
public sealed record ClusterReplicas(int Schedulers, int Aggregators, int WorkersPerKind);

/// <summary>
/// Every service replicated as production scales it: two schedulers, two aggregators and three
/// workers of each kind, the workers electing one tracker per kind on a short Lease.
/// </summary>
public sealed class ReplicatedKubernetesCluster() : KubernetesCluster(new ClusterReplicas(Schedulers: 2, Aggregators: 2, WorkersPerKind: 3));
