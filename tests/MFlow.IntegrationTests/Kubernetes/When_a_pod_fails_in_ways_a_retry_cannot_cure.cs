using System.Net;
using System.Text;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// Issue 13, acceptance 4: a pod that can never start fails its task with the pod's reason instead of
/// waiting out the task's deadline; an exit code the job names as non-retryable fails at once despite
/// retries; an evicted pod is replaced without spending the retry budget.
/// </summary>
[Collection(KubernetesClusterCollection.Name)]
public sealed class When_a_pod_fails_in_ways_a_retry_cannot_cure(KubernetesCluster cluster)
{
    const string Ns = KubernetesCluster.Namespace;

    [Fact]
    public async Task Should_fail_a_task_whose_image_cannot_be_pulled_once_the_grace_period_passed_and_end_its_job()
    {
        cluster.Script("pull", new PodScript { WaitingReason = "ImagePullBackOff", WaitingMessage = "Back-off pulling image \"registry.example.com/shop/nope:1\"" });
        var runId = await cluster.SubmitAsync("""
            name: unpullable
            stages:
              - name: build
                tasks:
                  - name: pull
                    kind: build
                    retries: 3
                    timeoutSeconds: 3600
                    container: { image: "registry.example.com/shop/nope:1", command: [make] }
            """);
        var task = (await cluster.GetRunAsync(runId)).Task("pull");
        var job = await cluster.JobOfAsync(task.Id);
        var waiting = await cluster.WaitForRunAsync(runId, r => r.Task("pull").Reason == "ImagePullBackOff", "waiting for its image");
        Assert.Equal("Pending", waiting.Task("pull").State);
        var sawWaiting = DateTimeOffset.UtcNow;

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Failed", Runs.Summary(run));
        var pull = run.Task("pull");
        Assert.Equal(("Failed", TaskFailureReasons.ImagePullBackOff), (pull.State, pull.Reason));
        Assert.Contains("registry.example.com/shop/nope:1", pull.Message);
        Assert.Contains("image pull grace period", pull.Message);
        // Failed once the grace period passed, not after the 3600 s deadline (the run's wait allows 90 s).
        Assert.True(pull.FinishedAt >= sawWaiting - KubernetesCluster.ImagePullGrace, $"finished {pull.FinishedAt:O}, waiting seen {sawWaiting:O}");
        // Ended (its pod stopped) but kept, with the outcome, as the attempt's tombstone until its TTL.
        var ended = await cluster.Kubernetes.WaitForObjectAsync(
            "jobs", Ns, job, j => j["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Failed") == true, TimeSpan.FromSeconds(30));
        Assert.Equal(TaskFailureReasons.ImagePullBackOff, ended["metadata"]!["annotations"]!["mflow.dev/failed-reason"]!.GetValue<string>());
        Assert.All(cluster.Kubernetes.GetJobPods(Ns, job), pod => Assert.Equal("Failed", pod["status"]!["phase"]!.GetValue<string>()));
        var failed = Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunFailed>(e => e.RunId == runId, "the run's failure"));
        Assert.Equal(TaskFailureReasons.ImagePullBackOff, Assert.Single(failed.FailedTasks).Reason);
        Assert.True(TaskFailureReasons.IsPermanent(pull.Reason));
    }

    [Fact]
    public async Task Should_fail_a_task_whose_image_name_is_invalid_at_once()
    {
        cluster.Script("bad-name", new PodScript { WaitingReason = "InvalidImageName", WaitingMessage = "Failed to apply default image tag \"Registry/UPPER:1\": couldn't parse image name" });
        var runId = await cluster.SubmitAsync("""
            name: invalid-image
            stages:
              - name: build
                tasks:
                  - name: bad-name
                    kind: build
                    container: { image: "Registry/UPPER:1", command: [make] }
            """);

        var run = await cluster.WaitUntilFinalAsync(runId, KubernetesCluster.ImagePullGrace * 10);

        var task = run.Task("bad-name");
        Assert.Equal(("Failed", TaskFailureReasons.InvalidImageName), (task.State, task.Reason));
        Assert.Contains("couldn't parse image name", task.Message);
        Assert.DoesNotContain("grace period", task.Message);
    }

    [Fact]
    public async Task Should_fail_at_once_on_an_exit_code_the_job_names_as_non_retryable_despite_retries()
    {
        await PublishJobAsync("""
            name: strict-build
            namespace: it
            domain: flow
            version: v1
            kind: build
            nonRetryableExitCodes: [3, 2]
            template:
              container: { image: "alpine:3.20", command: [sh, -c, "exit 2"] }
              retries: 4
            """);
        cluster.Script("strict", PodScript.Fail(2, "Dockerfile parse error line 3: unknown instruction: RUNN\n"));
        var runId = await cluster.SubmitAsync("""
            name: non-retryable
            stages:
              - name: build
                tasks:
                  - name: strict
                    job: strict-build@it.flow:v1
            """);

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Failed", Runs.Summary(run));
        var strict = run.Task("strict");
        Assert.Equal(("Failed", TaskFailureReasons.NonRetryableExitCode, 2), (strict.State, strict.Reason, strict.ExitCode));
        Assert.Contains("non-retryable", strict.Message);
        var job = await cluster.JobOfAsync(strict.Id);
        Assert.Single(cluster.Kubernetes.GetJobPods(Ns, job)); // backoffLimit 4, but no second try
        var manifest = cluster.Kubernetes.GetObject("jobs", Ns, job)!;
        var rules = manifest["spec"]!["podFailurePolicy"]!["rules"]!.AsArray();
        Assert.Equal("Ignore", rules[0]!["action"]!.GetValue<string>());
        Assert.Equal("DisruptionTarget", rules[0]!["onPodConditions"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("FailJob", rules[1]!["action"]!.GetValue<string>());
        Assert.Equal([2, 3], rules[1]!["onExitCodes"]!["values"]!.AsArray().Select(v => v!.GetValue<int>()));
        Assert.Equal("PodFailurePolicy", manifest["status"]!["conditions"]!.AsArray().Last()!["reason"]!.GetValue<string>());
        Assert.Equal("Never", manifest["spec"]!["template"]!["spec"]!["restartPolicy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_replace_an_evicted_pod_without_spending_the_retry_budget_and_succeed()
    {
        cluster.Script("evicted", null);
        var runId = await cluster.SubmitAsync("""
            name: evicted
            stages:
              - name: build
                tasks:
                  - name: evicted
                    kind: build
                    retries: 0
                    container: { image: "alpine:3.20", command: [make] }
            """);
        var task = (await cluster.GetRunAsync(runId)).Task("evicted");
        var job = await cluster.JobOfAsync(task.Id);
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.WaitForRunAsync(runId, r => r.Task("evicted").State == "Running", "running its task");

        await cluster.Kubernetes.EvictPodAsync(Ns, job);
        await Eventually.UntilAsync(() => Task.FromResult(cluster.Kubernetes.GetJobPods(Ns, job).Count), count => count == 2, KubernetesCluster.RunTimeout, "a new pod replaced the evicted one");
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.Kubernetes.CompletePodAsync(Ns, job, 0, "built on another node\n");

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Contains("built on another node", run.Task("evicted").LogTail);
        var status = cluster.Kubernetes.GetObject("jobs", Ns, job)!["status"]!;
        Assert.Null(status["failed"]); // the eviction was not counted
        Assert.Contains(cluster.Kubernetes.GetJobPods(Ns, job), pod => pod["status"]?["reason"]?.GetValue<string>() == "Evicted");
    }

    async Task PublishJobAsync(string yaml)
    {
        using var created = await cluster.Api.PostAsync("/api/v1/jobs", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/v1/jobs answered {(int)created.StatusCode}: {body}");
        var id = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        using var published = await cluster.Api.PostAsync($"/api/v1/jobs/{id}/publish", null);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
    }
}
