using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Runs;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Definitions;

/// <summary>
/// The tests of job definitions, params, outputs and access share one of these: the scheduler (with a
/// bootstrap admin key), the aggregator and the three workers as separate processes over a fresh
/// RabbitMQ virtual host and PostgreSQL database, the workers on the <c>kubernetes</c> executor against
/// an in-process fake Kubernetes API in which the tests play the running tasks. Each test names its
/// definitions and pipelines uniquely, so they do not see each other's.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DefinitionsCollection : ICollectionFixture<DefinitionsCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "definitions cluster";
}

/// <summary>MFlow with the kubernetes executor, API keys of every role, and a spy on every event.</summary>
public sealed class DefinitionsCluster : IAsyncLifetime
{
    /// <summary>The namespace the workers create task Jobs in.</summary>
    public const string TaskNamespace = "mflow-tasks";

    /// <summary>How long a service may take to become ready.</summary>
    /// <summary>The webhook deliveries one address may send in 3 s (MFlow:Triggers:WebhookRateLimit).</summary>
    public const int WebhookPermitLimit = 40;

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long a run, a Job or a message may take to appear.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The events subscribers receive, whose bodies the tests search for secrets.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(PipelineRunStarted), typeof(TaskUpdated), typeof(StageCompleted), typeof(PipelineRunSucceeded),
        typeof(PipelineRunFailed), typeof(PipelineRunCancelled),
    ];

    static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// How the tests write request bodies: property names exactly as written (params such as GIT_URL
    /// must not be camel-cased), nulls left out.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    readonly List<ServiceProcess> _services = [];
    readonly string _directory = Path.Combine(Path.GetTempPath(), "mflow-defs-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The fake Kubernetes API the workers create Jobs in.</summary>
    public FakeKubernetesServer Kubernetes { get; private set; } = null!;

    /// <summary>The virtual host every service uses.</summary>
    public RabbitMqVirtualHost VirtualHost { get; private set; } = null!;

    /// <summary>The database the scheduler and aggregator use.</summary>
    public PostgresDatabase Database { get; private set; } = null!;

    /// <summary>A copy of every event published since the cluster started.</summary>
    public MessageSpy Events { get; private set; } = null!;

    /// <summary>The scheduler process.</summary>
    public ServiceProcess Scheduler => _services[0];

    /// <summary>Every service process.</summary>
    public IReadOnlyList<ServiceProcess> Services => _services;

    /// <summary>The API without a key.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>The API as an admin (key "definitions-admin").</summary>
    public HttpClient Admin { get; private set; } = null!;

    /// <summary>The API as an operator (key "definitions-operator").</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>The API as a viewer (key "definitions-viewer").</summary>
    public HttpClient Viewer { get; private set; } = null!;

    /// <summary>The name of the admin key, which change records name.</summary>
    public const string AdminKeyName = "definitions-admin";

    /// <summary>The key-encryption key the scheduler protects its key ring with.</summary>
    public static readonly string KeyEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Every API key secret the cluster knows, which must never be logged.</summary>
    public IReadOnlyList<string> KeySecrets { get; private set; } = [];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Kubernetes = await FakeKubernetesServer.StartAsync();
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, Kubernetes.CreateKubeconfig(TaskNamespace));
        await OperatorSecrets.CreateAsync(Kubernetes, TaskNamespace);
        VirtualHost = await RabbitMqVirtualHost.CreateAsync();
        Database = await PostgresDatabase.CreateAsync();
        Events = await MessageSpy.StartAsync(VirtualHost.Url, EventTypes);

        var bootstrapKey = "bootstrap-" + RandomText(24);
        // As operators are told to: the key ring encrypted with a key-encryption key kept outside the database.
        // The webhook rate limit counts in short windows, so that a test can exceed it and see it lift.
        var scheduler = Start("MFlow.Scheduler", "scheduler", new()
        {
            ["MFlow__Api__AdminKey"] = bootstrapKey,
            ["MFlow__DataProtection__KeyEncryptionKey"] = KeyEncryptionKey,
            ["MFlow__Triggers__WebhookRateLimit__PermitLimit"] = WebhookPermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MFlow__Triggers__WebhookRateLimit__Window"] = "00:00:03",
        });
        var workers = new Dictionary<string, string?>
        {
            ["MFlow__Worker__Executor"] = "kubernetes",
            ["MFlow__Worker__ApiUrl"] = scheduler.BaseAddress.ToString().TrimEnd('/'),
            ["MFlow__Kubernetes__Kubeconfig"] = kubeconfig,
            ["MFlow__Kubernetes__Namespace"] = TaskNamespace,
        };
        Start("MFlow.Aggregator", "aggregator", []);
        Start("MFlow.Workers.Build", "build-worker", workers);
        Start("MFlow.Workers.Deploy", "deploy-worker", workers);
        Start("MFlow.Workers.Vm", "vm-worker", workers);
        await Task.WhenAll(_services.Select(service => service.WaitUntilHealthyAsync(StartTimeout)));

        Anonymous = Client(null);
        using var bootstrap = Client(bootstrapKey);
        var admin = await ApiKeys.CreateAsync(bootstrap, AdminKeyName, "admin");
        var @operator = await ApiKeys.CreateAsync(bootstrap, "definitions-operator", "operator");
        var viewer = await ApiKeys.CreateAsync(bootstrap, "definitions-viewer", "viewer");
        Admin = Client(admin);
        Operator = Client(@operator);
        Viewer = Client(viewer);
        KeySecrets = [bootstrapKey, admin, @operator, viewer];

        // The built-in jobs are published by the scheduler as it starts; a run may name them from now on.
        await Eventually.UntilAsync(
            async () => (await Viewer.GetAsync("/api/v1/jobs/kubectl@mflow.builtin:latest")).IsSuccessStatusCode,
            Timeout, "the built-in jobs are published");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var client in new[] { Anonymous, Admin, Operator, Viewer })
            client?.Dispose();
        await Task.WhenAll(_services.Select(service => service.DisposeAsync().AsTask()));
        if (Events is not null)
            await Events.DisposeAsync();
        if (VirtualHost is not null)
            await VirtualHost.DisposeAsync();
        if (Database is not null)
            await Database.DisposeAsync();
        if (Kubernetes is not null)
            await Kubernetes.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A client of the scheduler's API sending <paramref name="key"/> as its bearer token (none when null).</summary>
    public HttpClient Client(string? key) => ApiKeys.Client(Scheduler.BaseAddress, key);

    /// <summary>A lowercase DNS label no other test uses, for definition namespaces and pipeline names.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Random letters and digits (values a test looks for later: nothing in them is escaped in JSON or logs).</summary>
    public static string RandomText(int length) =>
        new(RandomNumberGenerator.GetItems<char>("abcdefghijklmnopqrstuvwxyz0123456789", length));

    /// <summary>Creates a job definition (a draft) as the admin and returns its id.</summary>
    public async Task<Guid> CreateJobAsync(string yaml, bool publish = true)
    {
        using var created = await Admin.PostAsync("/api/v1/jobs", Yaml(yaml));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/v1/jobs answered {(int)created.StatusCode}: {body}");
        var id = JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
        if (publish)
        {
            using var published = await Admin.PostAsync($"/api/v1/jobs/{id}/publish", null);
            Assert.True(published.IsSuccessStatusCode, $"publish answered {(int)published.StatusCode}: {await published.Content.ReadAsStringAsync()}");
        }

        return id;
    }

    /// <summary>Starts a run of an inline pipeline (or a run request wrapping one) as the operator.</summary>
    public async Task<Guid> StartRunAsync(object request)
    {
        using var response = await Operator.PostAsJsonAsync("/api/v1/runs", request, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/v1/runs answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<RunAccepted>(body, _json)!.Id;
    }

    /// <summary>GET /api/v1/runs/{id} as the viewer, as JSON text and parsed.</summary>
    public async Task<(string Json, RunView Run)> GetRunAsync(Guid runId)
    {
        using var response = await Viewer.GetAsync($"/api/v1/runs/{runId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET run answered {(int)response.StatusCode}: {body}");
        return (body, JsonSerializer.Deserialize<RunView>(body, _json)!);
    }

    /// <summary>Polls the run until <paramref name="done"/> holds.</summary>
    public async Task<RunView> WaitForRunAsync(Guid runId, Func<RunView, bool> done, string description) =>
        (await Eventually.UntilAsync(async () => Runs.Describe((await GetRunAsync(runId)).Run), d => done(d.View), Timeout, description)).View;

    /// <summary>Waits for the Job of a task's first attempt (and its Secret) in the fake API.</summary>
    public async Task<JsonObject> WaitForTaskJobAsync(Guid runId, string taskName)
    {
        var taskId = RunPlanner.TaskId(runId, taskName).ToString();
        var job = await Eventually.UntilAsync(
            () => Task.FromResult(Kubernetes.List("jobs", TaskNamespace).FirstOrDefault(j => j["metadata"]?["labels"]?["mflow.dev/task-id"]?.GetValue<string>() == taskId)),
            found => found is not null, Timeout, $"the Job of task '{taskName}' of run {runId} exists");
        // The worker creates the Job first, then its Secret (owned by the Job).
        await Kubernetes.WaitForObjectAsync("secrets", TaskNamespace, JobName(job!), timeout: Timeout);
        return job!;
    }

    /// <summary>The update token the worker put in the task's Secret, read as the task itself would.</summary>
    public string UpdateTokenOf(JsonObject job) => SecretValue(job, "update-token")
        ?? throw new InvalidOperationException($"The Secret of Job {JobName(job)} holds no update token.");

    /// <summary>One key of the task's Secret, decoded; null when absent.</summary>
    public string? SecretValue(JsonObject job, string key)
    {
        var secret = Kubernetes.GetObject("secrets", TaskNamespace, JobName(job));
        return secret?["data"]?[key]?.GetValue<string>() is { } encoded ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : null;
    }

    /// <summary>Ends the task's pod with exit code 0, as the program in it would.</summary>
    public Task CompleteAsync(JsonObject job) => Kubernetes.CompletePodAsync(TaskNamespace, JobName(job), exitCode: 0);

    /// <summary>The Job's name.</summary>
    public static string JobName(JsonObject job) => job["metadata"]!["name"]!.GetValue<string>();

    /// <summary>POSTs outputs to /api/v1/tasks/{id}/outputs with <paramref name="token"/> as the bearer token.</summary>
    public async Task<HttpResponseMessage> WriteOutputsAsync(Guid taskId, string? token, object body)
    {
        using var client = Client(token);
        return await client.PostAsJsonAsync($"/api/v1/tasks/{taskId}/outputs", body, Json);
    }

    /// <summary>
    /// Fails if any of <paramref name="secrets"/> appears in any service's output or in any event
    /// published so far; <paramref name="what"/> names them in the failure.
    /// </summary>
    public async Task AssertNowhereInLogsOrEventsAsync(string what, params string[] secrets)
    {
        var events = (await Events.DrainAsync()).Select(e => (e.MessageType, Body: Encoding.UTF8.GetString(e.Body))).ToList();
        // What is searched is real: the services log at Information, the spy has the events' bodies.
        Assert.NotEmpty(events);
        Assert.True(Scheduler.OutputContains("accepted"), "the scheduler's output holds no run it accepted");
        foreach (var secret in secrets)
        {
            Assert.False(string.IsNullOrEmpty(secret), $"{what}: nothing to look for");
            foreach (var service in _services)
                Assert.False(service.OutputContains(secret), $"{what} appears in the output of {service.Name}");
            var leaked = events.FirstOrDefault(e => e.Body.Contains(secret, StringComparison.Ordinal));
            Assert.True(leaked.Body is null, $"{what} appears in a {leaked.MessageType} event");
        }
    }

    /// <summary>An HTTP body of YAML.</summary>
    public static StringContent Yaml(string yaml) => new(yaml, Encoding.UTF8, "application/yaml");

    ServiceProcess Start(string project, string name, Dictionary<string, string?> extra)
    {
        var environment = new Dictionary<string, string?>(extra)
        {
            ["ConnectionStrings__RabbitMq"] = VirtualHost.Url.ToString(),
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
            ["MFlow__Worker__InstanceId"] = name,
        };
        var service = ServiceProcess.Start(project, environment, name);
        _services.Add(service);
        return service;
    }
}
