using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using MFlow.Contracts;
using MFlow.IntegrationTests.Persistence;
using MFlow.Scheduler.Api;
using MFlow.Testing;
using Npgsql;

namespace MFlow.IntegrationTests.Support;

/// <summary>
/// MFlow as it runs in production, minus Kubernetes: the scheduler, the aggregator and the three
/// workers (local executor) as separate OS processes that share nothing but a fresh RabbitMQ virtual
/// host and a fresh PostgreSQL database. Also a <see cref="MessageSpy"/> on every message MFlow
/// publishes, a MassTransit bus for the test to publish with, and the scheduler's HTTP API.
/// </summary>
public class ServiceCluster : IAsyncLifetime
{
    /// <summary>How long a service may take to become ready (five .NET hosts starting at once on two cores).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long a small pipeline may take to finish.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Every message type MFlow publishes, which the spy receives a copy of.</summary>
    public static readonly IReadOnlyList<Type> PublishedTypes =
    [
        typeof(StartPipeline), typeof(PipelineRunStarted), typeof(RunBuildTask), typeof(RunDeployTask), typeof(RunVmTask),
        typeof(TaskUpdated), typeof(StageCompleted), typeof(PipelineRunSucceeded), typeof(PipelineRunFailed),
        typeof(PipelineRunCancelled), typeof(CancelPipelineRun), typeof(CancelTask), typeof(TaskFailed),
    ];

    /// <summary>Where events link to (MFlow:Api:PublicUrl), as behind an ingress.</summary>
    public const string PublicUrl = "https://mflow.example.test/";

    /// <summary>
    /// The notifier's settings: receivers run in the test on http://127.0.0.1 (so private networks and
    /// plain http are allowed), and its retries and time-outs are short so that a test sees several tries.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> NotifierSettings = new Dictionary<string, string?>
    {
        ["MFlow__Notifications__AllowPrivateNetworks"] = "true",
        ["MFlow__Notifications__AllowInsecureHttp"] = "true",
        ["MFlow__Notifications__MaxAttempts"] = "5",
        ["MFlow__Notifications__FirstRetryDelay"] = "00:00:00.200",
        ["MFlow__Notifications__MaxRetryDelay"] = "00:00:01",
        ["MFlow__Notifications__RequestTimeout"] = "00:00:03",
        ["MFlow__Notifications__PollInterval"] = "00:00:00.500",
    };

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, ServiceProcess> _services = [];
    private IBusControl? _bus;

    /// <summary>The virtual host every service uses.</summary>
    public RabbitMqVirtualHost VirtualHost { get; private set; } = null!;

    /// <summary>The database every service uses.</summary>
    public PostgresDatabase Database { get; private set; } = null!;

    /// <summary>Every span the services exported since the cluster started (they export over OTLP, as to a collector).</summary>
    public OtlpReceiver Traces { get; private set; } = null!;

    /// <summary>A copy of every message MFlow published since the cluster started.</summary>
    public MessageSpy Spy { get; private set; } = null!;

    /// <summary>The scheduler's HTTP API.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The scheduler's bootstrap admin key (MFlow:Api:AdminKey), which <see cref="Api"/> sends.</summary>
    public string AdminKey { get; } = "mflow_it_" + Guid.NewGuid().ToString("N");

    /// <summary>Where the workers make their tasks' working directories, and tests put their files.</summary>
    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), "mflow-it-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The scheduler process.</summary>
    public ServiceProcess Scheduler => _services["scheduler"];

    /// <summary>The aggregator process.</summary>
    public ServiceProcess Aggregator => _services["aggregator"];

    /// <summary>The build worker process.</summary>
    public ServiceProcess BuildWorker => _services["build-worker"];

    /// <summary>The deploy worker process.</summary>
    public ServiceProcess DeployWorker => _services["deploy-worker"];

    /// <summary>The vm worker process.</summary>
    public ServiceProcess VmWorker => _services["vm-worker"];

    /// <summary>The notifier process.</summary>
    public ServiceProcess Notifier => _services["notifier"];

    /// <summary>A service process by name: scheduler, aggregator, build-worker, deploy-worker, vm-worker or notifier.</summary>
    public ServiceProcess Service(string name) => _services[name];

    /// <summary>Every service process.</summary>
    public IReadOnlyCollection<ServiceProcess> Services => _services.Values;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDirectory);
        VirtualHost = await RabbitMqVirtualHost.CreateAsync();
        Database = await PostgresDatabase.CreateAsync();
        Spy = await MessageSpy.StartAsync(VirtualHost.Url, PublishedTypes);
        Traces = OtlpReceiver.Start();

        Start("MFlow.Scheduler", "scheduler");
        Start("MFlow.Aggregator", "aggregator");
        Start("MFlow.Workers.Build", "build-worker");
        Start("MFlow.Workers.Deploy", "deploy-worker");
        Start("MFlow.Workers.Vm", "vm-worker");
        Start("MFlow.Notifier", "notifier");
        await Task.WhenAll(_services.Values.Select(service => service.WaitUntilHealthyAsync(StartTimeout)));
        Api = ApiKeys.Client(Scheduler.BaseAddress, AdminKey);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_bus is not null)
            await _bus.StopAsync();
        await Task.WhenAll(_services.Values.Select(service => service.DisposeAsync().AsTask()));
        if (Spy is not null)
            await Spy.DisposeAsync();
        if (Traces is not null)
            await Traces.DisposeAsync();
        if (VirtualHost is not null)
            await VirtualHost.DisposeAsync();
        if (Database is not null)
            await Database.DisposeAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A task process killed with its worker may still hold a file for a moment; it is a temp directory.
        }
    }

    /// <summary>A MassTransit bus on the cluster's virtual host, for publishing as an upstream system would (started on first use).</summary>
    public async Task<IBus> BusAsync()
    {
        _bus ??= await TestBus.StartAsync(VirtualHost.Url);
        return _bus;
    }

    /// <summary>POSTs a document to /api/v1/runs.</summary>
    public Task<HttpResponseMessage> PostRunAsync(string document, string contentType = "application/yaml") =>
        Api.PostAsync("/api/v1/runs", new StringContent(document, Encoding.UTF8, contentType));

    /// <summary>Starts a run through the HTTP API and returns its id; fails unless the scheduler created it (see <see cref="RunSubmission"/>).</summary>
    public Task<Guid> SubmitAsync(string document, string contentType = "application/yaml") =>
        RunSubmission.SubmitAsync(Api, document, contentType, () => Scheduler.OutputTail(20));

    /// <summary>GET /api/v1/runs/{id}.</summary>
    public async Task<RunView> GetRunAsync(Guid runId)
    {
        using var response = await Api.GetAsync($"/api/v1/runs/{runId}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<RunView>(_json))!;
    }

    /// <summary>Polls the run until it is Succeeded, Failed or Cancelled, and returns it.</summary>
    public async Task<RunView> WaitUntilFinalAsync(Guid runId, TimeSpan? timeout = null)
    {
        try
        {
            var run = await Eventually.UntilAsync(
                async () => Runs.Describe(await GetRunAsync(runId)),
                described => Runs.IsFinal(described.State),
                timeout ?? RunTimeout,
                $"run {runId} is final");
            return run.View;
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\n{DescribeServices()}", exception);
        }
    }

    /// <summary>Waits until the spy has at least one message of type <typeparamref name="T"/> matching <paramref name="match"/>, and returns all that match.</summary>
    public async Task<IReadOnlyList<T>> WaitForMessagesAsync<T>(Func<T, bool> match, string description)
        where T : class =>
        await Eventually.UntilAsync(
            async () => (await Spy.MessagesAsync<T>()).Where(match).ToList(),
            messages => messages.Count > 0,
            RunTimeout,
            description);

    /// <summary>The aggregator's stored state of a run, or null.</summary>
    public Task<RunStateRow?> ReadRunStateAsync(Guid runId) => StoredRuns.ReadAsync(Database, runId);

    /// <summary>The scheduler's dispatch cursor for a run: the last stage it dispatched.</summary>
    public async Task<int> DispatchedStageAsync(Guid runId)
    {
        await using var connection = await Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT dispatched_stage FROM runs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", runId);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Outbox rows that mention a run (written, not yet confirmed by the broker).</summary>
    public async Task<long> PendingOutboxMessagesAsync(Guid runId)
    {
        await using var connection = await Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM outbox WHERE body LIKE @run", connection);
        command.Parameters.AddWithValue("run", $"%{runId}%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every service's recent output, for failure messages.</summary>
    public string DescribeServices(int lines = 40) => ServiceProcess.Describe(_services.Values, lines);

    private void Start(string project, string name)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__RabbitMq"] = VirtualHost.Url.ToString(),
            ["ConnectionStrings__Postgres"] = Database.ConnectionString,
            ["MFlow__Worker__Executor"] = "local",
            ["MFlow__Worker__WorkDirectory"] = Path.Combine(WorkDirectory, name),
            ["MFlow__Worker__InstanceId"] = name,
            ["MFlow__Api__AdminKey"] = AdminKey,
            ["MFlow__Api__PublicUrl"] = PublicUrl,
        };
        foreach (var (setting, value) in NotifierSettings)
            environment[setting] = value;
        foreach (var (variable, value) in Traces.EnvironmentFor(name))
            environment[variable] = value;
        if (_services.TryGetValue("scheduler", out var scheduler))
            environment["MFlow__Worker__ApiUrl"] = scheduler.BaseAddress.ToString();
        _services[name] = ServiceProcess.Start(project, environment, name);
    }
}
