using System.Diagnostics;
using System.Text;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// Issue 3, acceptance 6: the API requests the workers make per task, counted by the fake API server
/// over a 100-task run (4 stages of 25 tasks of all three kinds): at most 3 per task, no polling.
/// </summary>
[Collection(KubernetesClusterCollection.Name)]
public sealed class When_a_hundred_tasks_run_on_kubernetes(KubernetesCluster cluster, ITestOutputHelper output)
{
    const int Stages = 4;
    const int TasksPerStage = 25;
    const int Tasks = Stages * TasksPerStage;

    [Fact]
    public async Task Should_make_at_most_four_api_requests_per_task_and_never_poll()
    {
        var pipeline = new StringBuilder("name: hundred-tasks\nstages:\n");
        string[] kinds = ["build", "deploy", "vm"];
        for (var s = 1; s <= Stages; s++)
        {
            pipeline.Append($"  - name: stage-{s}\n    tasks:\n");
            for (var t = 1; t <= TasksPerStage; t++)
            {
                var name = $"h{s}-task-{t:00}";
                cluster.Script(name, PodScript.Succeed($"{name} done\n"));
                pipeline.Append($"      - {{ name: {name}, kind: {kinds[(s + t) % 3]}, container: {{ image: \"alpine:3.20\", command: [\"true\"] }} }}\n");
            }
        }

        var since = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var runId = await cluster.SubmitAsync(pipeline.ToString());
        var run = await cluster.WaitUntilFinalAsync(runId, TimeSpan.FromSeconds(150));
        clock.Stop();

        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal(Tasks, run.Stages.SelectMany(stage => stage.Tasks).Count(task => task.State == "Succeeded"));

        var requests = cluster.Kubernetes.Requests.Where(r => r.Timestamp >= since).ToList();
        var byVerb = requests.GroupBy(Describe).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Call: g.Key, Count: g.Count())).ToList();
        var setUp = cluster.Kubernetes.Requests.Where(r => r.Timestamp >= cluster.StartedAt && r.Timestamp < since && r.Verb is "list" or "watch").GroupBy(Describe)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        output.WriteLine($"API requests over a {Tasks}-task run ({Stages} stages x {TasksPerStage}; build, deploy, vm; {clock.Elapsed.TotalSeconds:0.0} s):");
        foreach (var (call, count) in byVerb)
            output.WriteLine($"  {call,-28} {count,5}   {count / (double)Tasks:0.00} per task");
        var perTask = requests.Where(r => r.Verb is not ("list" or "watch")).ToList();
        output.WriteLine($"  {"total (excluding list/watch)",-28} {perTask.Count,5}   {perTask.Count / (double)Tasks:0.00} per task");
        output.WriteLine($"  once per worker at start-up: {string.Join(", ", setUp)}");

        // Per task: its Job, its Secret created owned by it, its log (a vm task also its ConfigMap); no patch.
        var configMaps = requests.Count(r => r is { Verb: "create", Resource: "configmaps" });
        Assert.True(perTask.Count <= 3 * Tasks + configMaps, $"{perTask.Count} requests for {Tasks} tasks ({configMaps} ConfigMaps)");
        Assert.DoesNotContain(requests, r => r.Verb == "patch" && r.Resource is "secrets" or "configmaps");
        Assert.True(requests.Count(r => r.Verb is "list" or "watch") <= 12, "list/watch is a constant per worker, not per task");
        // No polling: nothing reads a Job or a pod by itself; each finished task's log is read once.
        Assert.DoesNotContain(requests, r => r.Verb == "get" && r.Subresource is null);
        Assert.Equal(Tasks, requests.Count(r => r is { Verb: "get", Resource: "pods", Subresource: "log" }));
        Assert.Equal(Tasks, requests.Count(r => r is { Verb: "create", Resource: "jobs", StatusCode: 201 }));
        Assert.All(requests, r => Assert.True(r.StatusCode < 400, $"{r.Method} {r.PathAndQuery} answered {r.StatusCode}"));
    }

    static string Describe(RecordedRequest request) =>
        $"{request.Verb} {request.Resource}{(request.Subresource is { } sub ? "/" + sub : "")}";
}
