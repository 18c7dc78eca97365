using System.Net;
using System.Text.Json.Nodes;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Control;

/// <summary>
/// Issue 13, acceptance 3: a concurrency group's limit holds across two scheduler replicas (the
/// slots are rows in the database), queued runs start in turn, and cancel-in-progress and reject
/// do what they say.
/// </summary>
[Collection(RunControlCollection.Name)]
public sealed class When_runs_share_a_concurrency_group(RunControlCluster cluster)
{
    const string Ns = KubernetesCluster.Namespace;

    static string Pipeline(string task, string env, string policy) => $$"""
        name: deploy-{{task}}
        params: { ENVIRONMENT: {{env}} }
        concurrency: { group: "deploy-$(params.ENVIRONMENT)", limit: 1, policy: {{policy}} }
        stages:
          - name: deploy
            tasks:
              - name: {{task}}
                kind: deploy
                container: { image: "alpine:3.20", command: ["true"] }
        """;

    static string? TaskOf(JsonObject job) => job["metadata"]?["annotations"]?["mflow.dev/task-name"]?.GetValue<string>();

    static bool Done(JsonObject job) => job["status"]?["completionTime"] is not null || job["status"]?["failed"] is not null;

    [Fact]
    public async Task Should_never_run_two_of_ten_runs_submitted_at_once_through_two_schedulers()
    {
        const string task = "slot-holder";
        cluster.Script(task, new PodScript(0, "deployed\n", RunningDelay: TimeSpan.FromMilliseconds(200), CompletionDelay: TimeSpan.FromMilliseconds(600)));

        // Watch the fake API while the runs go: never two of the group's Jobs unfinished at once.
        using var stop = new CancellationTokenSource();
        var most = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                most = Math.Max(most, cluster.Kubernetes.List("jobs", Ns).Count(job => TaskOf(job) == task && !Done(job)));
                await Task.Delay(20);
            }
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            RunControlCluster.PostRunAsync(cluster.AdminOnEach[i % 2], Pipeline(task, "prod-eu", "queue"))));
        var runIds = new List<Guid>();
        foreach (var response in responses)
        {
            using (response)
                runIds.Add(await RunControlCluster.RunIdOfAsync(response));
        }

        var queued = await cluster.GetRunAsync(runIds[^1]);
        var runs = new List<Scheduler.Api.RunView>();
        foreach (var runId in runIds)
            runs.Add(await cluster.WaitUntilFinalAsync(runId, TimeSpan.FromSeconds(180)));
        await stop.CancelAsync();
        await sampler;

        Assert.All(runs, run => Assert.True(run.State == "Succeeded", Runs.Summary(run)));
        Assert.Equal(1, most);
        // The Jobs' own times say the same: each was created after the one before it completed.
        var jobs = cluster.Kubernetes.List("jobs", Ns).Where(job => TaskOf(job) == task)
            .Select(job => (Created: DateTimeOffset.Parse(job["metadata"]!["creationTimestamp"]!.GetValue<string>()),
                Completed: DateTimeOffset.Parse(job["status"]!["completionTime"]!.GetValue<string>())))
            // Kubernetes times are whole seconds: Jobs created in the same second are ordered by when they completed.
            .OrderBy(job => job.Created).ThenBy(job => job.Completed).ToList();
        Assert.Equal(10, jobs.Count);
        for (var i = 1; i < jobs.Count; i++)
            Assert.True(jobs[i].Created >= jobs[i - 1].Completed, $"Job {i} was created at {jobs[i].Created:O}, before Job {i - 1} completed at {jobs[i - 1].Completed:O}");
        Assert.Equal("deploy-prod-eu", runs[0].Concurrency!.Group);
        Assert.NotNull(queued.Concurrency);
    }

    [Fact]
    public async Task Should_show_a_queued_run_as_queued_and_cancel_it_while_it_waits()
    {
        const string task = "queue-holder";
        cluster.Script(task, null); // the first run's pod runs until the test ends it
        var first = await cluster.SubmitAsync(Pipeline(task, "staging-q", "queue"));
        var job = await cluster.JobOfAsync((await cluster.GetRunAsync(first)).Task(task).Id);
        var second = await cluster.SubmitAsync(Pipeline(task, "staging-q", "queue"));

        var waiting = await cluster.WaitForRunAsync(second, r => r.State == "Queued", "queued");
        Assert.Equal(1, waiting.Concurrency!.Position);
        Assert.Equal("Waiting", waiting.Task(task).State);
        await cluster.CancelAsync(second);
        var cancelled = await cluster.WaitUntilFinalAsync(second);
        Assert.True(cancelled.State == "Cancelled", Runs.Summary(cancelled));

        await cluster.Kubernetes.CompletePodAsync(Ns, job, exitCode: 0);
        var done = await cluster.WaitUntilFinalAsync(first);
        Assert.True(done.State == "Succeeded", Runs.Summary(done));
        Assert.Single(cluster.Kubernetes.List("jobs", Ns), j => TaskOf(j) == task); // the cancelled one never got a Job
    }

    [Fact]
    public async Task Should_cancel_the_older_run_for_a_newer_one_with_cancel_in_progress()
    {
        const string older = "cip-older";
        cluster.Script(older, null); // runs until cancelled
        cluster.Script("cip-newer", PodScript.Succeed());
        var first = await cluster.SubmitAsync(Pipeline(older, "cip", "cancel-in-progress"));
        var job = await cluster.JobOfAsync((await cluster.GetRunAsync(first)).Task(older).Id);

        var second = await cluster.SubmitAsync(Pipeline("cip-newer", "cip", "cancel-in-progress"));

        await cluster.Kubernetes.WaitForDeletionAsync("jobs", Ns, job, KubernetesCluster.RunTimeout);
        var cancelled = await cluster.WaitUntilFinalAsync(first);
        Assert.True(cancelled.State == "Cancelled", Runs.Summary(cancelled));
        Assert.Contains("concurrency group 'deploy-cip'", cancelled.CancelReason);
        var newer = await cluster.WaitUntilFinalAsync(second);
        Assert.True(newer.State == "Succeeded", Runs.Summary(newer));
    }

    [Fact]
    public async Task Should_refuse_a_run_with_409_when_the_group_is_full_and_its_policy_is_reject()
    {
        const string task = "reject-holder";
        cluster.Script(task, null);
        var first = await cluster.SubmitAsync(Pipeline(task, "rej", "reject"));
        var job = await cluster.JobOfAsync((await cluster.GetRunAsync(first)).Task(task).Id);

        using (var refused = await RunControlCluster.PostRunAsync(cluster.AdminOnEach[1], Pipeline(task, "rej", "reject")))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Conflict, body);
            Assert.Contains("deploy-rej", body);
            Assert.Contains("application/problem+json", refused.Content.Headers.ContentType!.ToString());
        }

        await cluster.Kubernetes.CompletePodAsync(Ns, job, exitCode: 0);
        await cluster.WaitUntilFinalAsync(first);
        // A slot is free again once the run ended.
        var next = await Eventually.UntilAsync(
            async () => await RunControlCluster.PostRunAsync(cluster.AdminOnEach[0], Pipeline(task, "rej", "reject")),
            response => response.StatusCode == HttpStatusCode.Created, TimeSpan.FromSeconds(30), "the group takes a run again");
        var again = await RunControlCluster.RunIdOfAsync(next);
        await cluster.CancelAsync(again);
        await cluster.WaitUntilFinalAsync(again);
    }
}
