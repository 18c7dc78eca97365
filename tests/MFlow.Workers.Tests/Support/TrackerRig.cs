using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Testing;
using MFlow.Contracts;
using MFlow.Execution;
using MFlow.Execution.Kubernetes;
using MFlow.Execution.Reporting;
using MFlow.Kubernetes;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Workers.Tests.Support;

/// <summary>
/// A worker's Kubernetes half against the fake API server: the executor that creates Jobs and the
/// tracker that watches them, reporting on MassTransit's in-memory test harness, where a stand-in
/// aggregator records every TaskUpdated and answers GetTaskOutcomes as the real one does.
/// </summary>
public sealed class TrackerRig : IAsyncDisposable
{
    public const string Namespace = "mflow-tasks";

    readonly ServiceProvider _provider;
    readonly List<JobTracker> _trackers = [];

    TrackerRig(FakeKubernetesServer server, KubernetesApi client, ServiceProvider provider, ITestHarness harness)
    {
        Server = server;
        Client = client;
        _provider = provider;
        Harness = harness;
        Reporter = new TaskReporter(harness.Bus, Microsoft.Extensions.Options.Options.Create(new WorkerOptions { InstanceId = "tracker-test" }), NullLogger<TaskReporter>.Instance);
    }

    public FakeKubernetesServer Server { get; }

    public KubernetesApi Client { get; }

    public ITestHarness Harness { get; }

    public TaskReporter Reporter { get; }

    public TaskCancellations Cancellations { get; } = new();

    public KubernetesExecutorOptions Options { get; } = new() { Namespace = Namespace, PodStatusGrace = TimeSpan.FromSeconds(2) };

    /// <summary>Everything the stand-in aggregator consumed.</summary>
    public ReportedUpdates Updates => _provider.GetRequiredService<ReportedUpdates>();

    public static async Task<TrackerRig> StartAsync()
    {
        var server = await FakeKubernetesServer.StartAsync();
        var client = KubernetesApi.Create(
            KubernetesConnections.FromYaml(server.CreateKubeconfig(Namespace)),
            new KubernetesClientOptions { QueriesPerSecond = 0, InitialBackoff = TimeSpan.FromMilliseconds(50) });
        var provider = new ServiceCollection()
            .AddSingleton<ReportedUpdates>()
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(2));
                x.AddConsumer<StandInAggregator>();
                x.AddRequestClient<GetTaskOutcomes>();
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        await CreateRegistrySecretAsync(client);
        server.ResetRequests(); // the tests count the requests of the code under test
        return new TrackerRig(server, client, provider, harness);
    }

    /// <summary>
    /// As an operator creates it before running builds: the kaniko registry credentials every build
    /// task mounts by default (REGISTRY_SECRET); the fake's kubelet, like a real one, starts no pod whose Secret is missing.
    /// </summary>
    static Task CreateRegistrySecretAsync(IKubernetesApi client) =>
        client.CreateSecretAsync(new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "kaniko-secret", NamespaceProperty = Namespace },
            StringData = new Dictionary<string, string> { ["config.json"] = """{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}""" },
        });

    /// <summary>The kind's executor; <paramref name="cap"/> (MFlow:Kubernetes:MaxRunningJobs), or none.</summary>
    public KubernetesJobExecutor Executor(IJobBuilder builder, JobCap? cap = null) =>
        new(Client, builder, Options, Reporter, Cancellations, cap ?? Cap(builder, maxRunningJobs: 0, TimeSpan.FromMinutes(10)), NullLogger<KubernetesJobExecutor>.Instance);

    /// <summary>A kind's cap over this rig's namespace.</summary>
    public JobCap Cap(IJobBuilder builder, int maxRunningJobs, TimeSpan hold) =>
        new(Client, builder.Kind, maxRunningJobs, hold, [Namespace], NullLogger<JobCap>.Instance);

    /// <summary>Starts a tracker (a worker process's) and waits until it has listed what is there; it tells <paramref name="cap"/> when Jobs end.</summary>
    public async Task<JobTracker> StartTrackerAsync(IJobBuilder builder, JobCap? cap = null)
    {
        var tracker = new JobTracker(
            Client, builder, Options, [Namespace], Reporter, Cancellations,
            Harness.GetRequestClient<GetTaskOutcomes>(), NullLogger<JobTracker>.Instance)
        {
            Cap = cap,
        };
        _trackers.Add(tracker);
        await tracker.StartAsync(CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(tracker.Synced), TimeSpan.FromSeconds(20), "the tracker has listed the Jobs");
        return tracker;
    }

    /// <summary>Stops a tracker, as its worker process stopping would.</summary>
    public async Task StopTrackerAsync(JobTracker tracker)
    {
        await tracker.StopAsync(CancellationToken.None);
        tracker.Dispose();
        _trackers.Remove(tracker);
    }

    /// <summary>The name of the Job a command creates.</summary>
    public static string JobName(RunTaskCommand command) => TaskLabels.JobNameFor(command);

    /// <summary>A fresh task of the given kind (new run and task ids), with an update token as the scheduler sends it.</summary>
    public static T Fresh<T>(T command)
        where T : RunTaskCommand =>
        command with
        {
            RunId = Guid.NewGuid(),
            TaskId = Guid.NewGuid(),
            SecretValues = new Dictionary<string, string> { [SecretKeys.UpdateToken] = "token-" + Guid.NewGuid().ToString("N") },
        };

    /// <summary>
    /// Runs one more task of the tracker's kind to its end and waits for its report. The tracker
    /// handles what it sees in order, so once this is reported, everything seen before it was too:
    /// a report that has not come by then is not coming.
    /// </summary>
    public async Task FenceAsync(IJobBuilder builder)
    {
        RunTaskCommand fence = builder.Kind switch
        {
            JobKind.Build => Commands.Custom(Commands.Build()),
            JobKind.Deploy => Commands.Custom(Commands.Deploy()),
            _ => Commands.Custom(Commands.Vm()),
        };
        fence = Fresh(fence) with { TaskName = "fence" };
        await Executor(builder).ExecuteAsync(fence, CancellationToken.None);
        await Server.CompletePodAsync(Namespace, JobName(fence), exitCode: 0);
        await Updates.WaitForAsync(fence.TaskId, u => u.State == TaskState.Succeeded);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var tracker in _trackers.ToList())
            await StopTrackerAsync(tracker);
        await Harness.Stop();
        await _provider.DisposeAsync();
        Client.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>The aggregator's part a worker relies on: it records outcomes and says which it has.</summary>
    public sealed class StandInAggregator(ReportedUpdates updates) : IConsumer<TaskUpdated>, IConsumer<GetTaskOutcomes>
    {
        public Task Consume(ConsumeContext<TaskUpdated> context)
        {
            updates.Add(context.Message);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<GetTaskOutcomes> context)
        {
            updates.AddQuestion(context.Message);
            var recorded = context.Message.Tasks.Where(t => updates.For(t.TaskId).Any(u => u.Attempt == t.Attempt && IsTerminal(u.State))).ToList();
            return context.RespondAsync(new TaskOutcomes { Recorded = recorded });
        }
    }

    public static bool IsTerminal(TaskState state) => state is TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled;
}

/// <summary>The TaskUpdated messages the stand-in aggregator consumed, in order, and the questions it was asked.</summary>
public sealed class ReportedUpdates
{
    readonly ConcurrentQueue<TaskUpdated> _updates = new();
    readonly ConcurrentQueue<GetTaskOutcomes> _questions = new();

    public IReadOnlyList<GetTaskOutcomes> Questions => [.. _questions];

    public void Add(TaskUpdated update) => _updates.Enqueue(update);

    public void AddQuestion(GetTaskOutcomes question) => _questions.Enqueue(question);

    public IReadOnlyList<TaskUpdated> For(Guid taskId) => _updates.Where(u => u.TaskId == taskId).ToList();

    public IReadOnlyList<TaskUpdated> Terminal(Guid taskId) => For(taskId).Where(u => TrackerRig.IsTerminal(u.State)).ToList();

    public IReadOnlyList<string> States(Guid taskId) => For(taskId).Select(u => u.State.ToString()).ToList();

    public async Task<TaskUpdated> WaitForAsync(Guid taskId, Func<TaskUpdated, bool> match, TimeSpan? timeout = null)
    {
        try
        {
            var found = await Eventually.UntilAsync(
                () => Task.FromResult(For(taskId).FirstOrDefault(match)), found => found is not null, timeout ?? TimeSpan.FromSeconds(20), $"task {taskId} is reported as expected");
            return found!;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Reported for it: [{string.Join(", ", For(taskId).Select(u => $"{u.State} {u.Reason}"))}].", ex);
        }
    }
}
