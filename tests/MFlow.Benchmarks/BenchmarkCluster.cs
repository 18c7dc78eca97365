using System.Security.Cryptography;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>
/// MFlow as production runs it, against the throwaway servers: the scheduler, the aggregator and the
/// three workers (kubernetes executor) as separate OS processes (N of each with replicas, the workers
/// then electing one tracker per kind) sharing a fresh RabbitMQ virtual host and a fresh PostgreSQL
/// database, and the fake Kubernetes API in this process completing every Job's pod as soon as it exists.
/// </summary>
public sealed class BenchmarkCluster : IAsyncDisposable
{
    /// <summary>The namespace every task's Job goes to.</summary>
    public const string Namespace = "bench";

    /// <summary>What each pod prints and leaves as its termination message (one output line).</summary>
    public static readonly PodScript PodScript = new(ExitCode: 0, Log: "done\n", TerminationMessage: "RESULT=ok\0");

    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    readonly Dictionary<string, ServiceProcess> _services = [];
    readonly string _kubeconfigPath = Path.Combine(Path.GetTempPath(), $"mflow-bench-{Guid.NewGuid():N}.kubeconfig");

    BenchmarkCluster(RabbitMqVirtualHost virtualHost, PostgresDatabase database, FakeKubernetesServer kubernetes)
    {
        VirtualHost = virtualHost;
        Database = database;
        Kubernetes = kubernetes;
    }

    /// <summary>The virtual host every service uses.</summary>
    public RabbitMqVirtualHost VirtualHost { get; }

    /// <summary>The database every service uses.</summary>
    public PostgresDatabase Database { get; }

    /// <summary>The fake Kubernetes API the workers create Jobs on.</summary>
    public FakeKubernetesServer Kubernetes { get; }

    /// <summary>
    /// The service processes by name (scheduler, aggregator, build-worker, deploy-worker, vm-worker;
    /// with replicas scheduler-1, scheduler-2, ...), once started.
    /// </summary>
    public IReadOnlyDictionary<string, ServiceProcess> Services => _services;

    /// <summary>Creates the virtual host, the database and the fake Kubernetes API; the services start with <see cref="StartServicesAsync"/>.</summary>
    public static async Task<BenchmarkCluster> CreateAsync()
    {
        var virtualHost = await RabbitMqVirtualHost.CreateAsync(BenchmarkServers.RabbitMq);
        var database = await PostgresDatabase.CreateAsync(BenchmarkServers.Postgres);
        var kubernetes = await FakeKubernetesServer.StartAsync(new FakeKubernetesOptions
        {
            AutoRun = _ => PodScript,
        });
        return new BenchmarkCluster(virtualHost, database, kubernetes);
    }

    /// <summary>Starts <paramref name="replicas"/> processes of each of the five services and waits until each says it is ready.</summary>
    public async Task StartServicesAsync(double workerQueriesPerSecond, int replicas)
    {
        await File.WriteAllTextAsync(_kubeconfigPath, Kubernetes.CreateKubeconfig(Namespace));
        string Name(string service, int index) => replicas == 1 ? service : $"{service}-{index}";
        for (var i = 1; i <= replicas; i++)
        {
            Start("MFlow.Scheduler", Name("scheduler", i), new()
            {
                // The API is not used (runs start by message), but a scheduler without a key warns.
                ["MFlow__Api__AdminKey"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            });
            Start("MFlow.Aggregator", Name("aggregator", i), []);
            foreach (var (project, service) in new[] { ("MFlow.Workers.Build", "build-worker"), ("MFlow.Workers.Deploy", "deploy-worker"), ("MFlow.Workers.Vm", "vm-worker") })
            {
                var name = Name(service, i);
                Start(project, name, new()
                {
                    ["MFlow__Worker__Executor"] = "kubernetes",
                    ["MFlow__Worker__InstanceId"] = name,
                    ["MFlow__Kubernetes__Kubeconfig"] = _kubeconfigPath,
                    ["MFlow__Kubernetes__Namespace"] = Namespace,
                    ["MFlow__Kubernetes__QueriesPerSecond"] = workerQueriesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["MFlow__Kubernetes__LeaderElection__Enabled"] = replicas > 1 ? "true" : "false",
                });
            }
        }

        var timeout = StartTimeout * Math.Max(1.0, _services.Count / 5.0);
        await Task.WhenAll(_services.Values.Select(service => service.WaitUntilHealthyAsync(timeout)));
    }

    /// <summary>Writes each service's captured output to <c>&lt;directory&gt;/&lt;name&gt;.log</c>.</summary>
    public async Task WriteServiceLogsAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, service) in _services)
            await File.WriteAllLinesAsync(Path.Combine(directory, name + ".log"), service.Output);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_services.Values.Select(service => service.DisposeAsync().AsTask()));
        await Kubernetes.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
        File.Delete(_kubeconfigPath);
    }

    void Start(string project, string name, Dictionary<string, string?> environment)
    {
        environment["ConnectionStrings__RabbitMq"] = VirtualHost.Url.ToString();
        environment["ConnectionStrings__Postgres"] = Database.ConnectionString;
        _services[name] = ServiceProcess.Start(project, environment, name);
    }
}
