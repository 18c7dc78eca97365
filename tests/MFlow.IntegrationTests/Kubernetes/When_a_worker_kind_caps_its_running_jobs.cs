using k8s;
using k8s.Models;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes;
using MFlow.Kubernetes.Fake;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// Issue 13: MFlow:Kubernetes:MaxRunningJobs. Five build tasks at once under a cap of 2: the excess
/// waits (longer than its hold, so it also goes back to its queue) and runs as Jobs end; no more than
/// two Jobs are ever unfinished, as a watch on the API server sees them in order; nothing is faulted.
/// </summary>
[Collection(CappedKubernetesClusterCollection.Name)]
public sealed class When_a_worker_kind_caps_its_running_jobs(CappedKubernetesCluster cluster)
{
    const string Ns = KubernetesCluster.Namespace;
    const string Selector = "app.kubernetes.io/managed-by=mflow,mflow.dev/kind=build";

    [Fact]
    public async Task Should_run_five_tasks_never_more_than_two_jobs_at_once_and_fault_nothing()
    {
        string[] tasks = ["capped-1", "capped-2", "capped-3", "capped-4", "capped-5"];
        foreach (var task in tasks)
            cluster.Script(task, PodScript.Succeed() with { RunningDelay = TimeSpan.FromMilliseconds(300), CompletionDelay = TimeSpan.FromSeconds(2) });

        // A watch sees every change of every Job in the order the API server made it.
        using var client = KubernetesApi.Create(KubernetesConnections.FromYaml(cluster.Kubernetes.CreateKubeconfig(Ns)), new KubernetesClientOptions { QueriesPerSecond = 0 });
        var listed = await client.ListJobsAsync(Ns, Selector);
        using var stopWatching = new CancellationTokenSource();
        var changes = new List<(WatchEventType Type, V1Job Job)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in client.WatchJobsAsync(Ns, Selector, listed.Metadata.ResourceVersion, TimeSpan.FromMinutes(10), stopWatching.Token))
            {
                lock (changes)
                    changes.Add(change);
            }
        });

        var runId = await cluster.SubmitAsync($$"""
            name: capped
            stages:
              - name: build
                tasks:
            {{string.Join('\n', tasks.Select(task => $"      - {{ name: {task}, kind: build, container: {{ image: \"alpine:3.20\", command: [\"true\"] }} }}"))}}
            """);
        var run = await cluster.WaitUntilFinalAsync(runId, TimeSpan.FromMinutes(3));
        Assert.True(run.State == "Succeeded", Runs.Summary(run) + "\n" + cluster.DescribeServices());
        Assert.All(tasks, task => Assert.Equal("Succeeded", run.Task(task).State));

        // Every Job's verdict is in before the run is Succeeded; the watch has them (or the counts below say it missed some).
        await Testing.Eventually.UntilAsync(
            () => { lock (changes) return Task.FromResult(changes.Where(c => Ended(c.Job)).Select(c => c.Job.Metadata.Name).Distinct().Count()); }, ended => ended >= tasks.Length, KubernetesCluster.RunTimeout, "the watch saw every Job end");
        await stopWatching.CancelAsync();
        try
        {
            await watching;
        }
        catch (OperationCanceledException)
        {
        }

        var unfinished = new HashSet<string>();
        var most = 0;
        lock (changes)
        {
            foreach (var (type, job) in changes.Where(c => c.Type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted))
            {
                if (type == WatchEventType.Deleted || Ended(job))
                    unfinished.Remove(job.Metadata.Name);
                else
                    unfinished.Add(job.Metadata.Name);
                most = Math.Max(most, unfinished.Count);
            }

            Assert.Equal(tasks.Length, changes.Count(c => c.Type == WatchEventType.Added));
        }

        Assert.Equal(2, most);
        Assert.Equal(5, cluster.Kubernetes.List("jobs", Ns).Count(job => tasks.Any(task => job["metadata"]!["name"]!.GetValue<string>().Contains(task, StringComparison.Ordinal))));
        Assert.True(cluster.BuildWorker.OutputContains("goes back to its queue to wait for a slot"), "no command waited past its hold\n" + cluster.BuildWorker.OutputTail());
        var faulted = (await cluster.VirtualHost.ListQueuesAsync()).Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.MessagesReady > 0).ToList();
        Assert.True(faulted.Count == 0, "faulted: " + string.Join(", ", faulted.Select(q => $"{q.Name} ({q.MessagesReady})")));
    }

    static bool Ended(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true;
}

/// <summary>The Kubernetes cluster with every worker kind capped at two unfinished Jobs, held three seconds before going back to the queue.</summary>
public sealed class CappedKubernetesCluster() : KubernetesCluster(
    new ClusterReplicas(1, 1, 1),
    new Dictionary<string, string?> { ["MFlow__Kubernetes__MaxRunningJobs"] = "2", ["MFlow__Kubernetes__MaxRunningJobsHold"] = "00:00:03" });

/// <summary>The capped cluster's collection.</summary>
[CollectionDefinition(Name)]
public sealed class CappedKubernetesClusterCollection : ICollectionFixture<CappedKubernetesCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "capped kubernetes cluster";
}
