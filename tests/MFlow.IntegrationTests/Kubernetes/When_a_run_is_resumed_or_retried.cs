using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.IntegrationTests.Faults;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Scheduler.Api;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// Issue 13, acceptance 2 and retries: a failed run resumed in place runs its failed task again as
/// attempt 2 (a new Job, a new token, the old one refused) and nothing before it; a crash of the
/// aggregator and the worker meanwhile leaves one outcome per attempt and one Job per attempt; a
/// task's retries are attempts of their own; a rerun is a new run linked to its original.
/// </summary>
[Collection(KubernetesClusterCollection.Name)]
public sealed class When_a_run_is_resumed_or_retried(KubernetesCluster cluster)
{
    const string Ns = KubernetesCluster.Namespace;
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    static string ThreeStages(string tag) => $$"""
        name: {{tag}}
        stages:
          - name: prepare
            tasks:
              - name: {{tag}}-prepare
                kind: build
                container: { image: "alpine:3.20", command: [make] }
          - name: deploy
            tasks:
              - name: {{tag}}-deploy
                kind: deploy
                container: { image: "alpine:3.20", command: [kubectl, apply] }
          - name: verify
            tasks:
              - name: {{tag}}-verify
                kind: vm
                params: { PREPARED: "$(tasks.{{tag}}-prepare.outputs.RESULT)" }
                container: { image: "alpine:3.20", command: [check] }
        """;

    [Fact]
    public async Task Should_resume_a_failed_run_from_its_failed_task_as_attempt_2_with_a_new_job_and_token()
    {
        cluster.Script("resume-prepare", new PodScript(0, "prepared\n", "RESULT=ready\0"));
        cluster.Script("resume-deploy", PodScript.Fail(3, "connection refused\n"));
        cluster.Script("resume-verify", PodScript.Succeed());
        var runId = await cluster.SubmitAsync(ThreeStages("resume"));
        var failed = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(failed.State == "Failed", Runs.Summary(failed));
        var deployId = failed.Task("resume-deploy").Id;
        var firstJob = await cluster.JobOfAttemptAsync(deployId, 1);
        var firstToken = await TokenOfAsync(firstJob);

        cluster.Script("resume-deploy", PodScript.Succeed("deployed\n"));
        using (var resume = await cluster.Api.PostAsync($"/api/v1/runs/{runId}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var run = await cluster.WaitForRunAsync(runId, r => r.State == "Succeeded", "succeeded after its resume");

        // Stage 1 kept its outcome and output, and was not run again.
        var prepare = run.Task("resume-prepare");
        Assert.Equal((1, "ready"), (prepare.Attempt, prepare.Outputs["RESULT"]));
        Assert.Single(cluster.Kubernetes.List("jobs", Ns), j => KubernetesCluster.Label(j, "mflow.dev/task-id") == prepare.Id.ToString());
        // The failed task ran again as attempt 2: its own Job and token; attempt 1's history stays.
        var deploy = run.Task("resume-deploy");
        Assert.Equal(2, deploy.Attempt);
        Assert.Equal([(1, "Failed", (int?)3), (2, "Succeeded", 0)], deploy.Attempts.Select(a => (a.Attempt, a.State, a.ExitCode)));
        Assert.EndsWith("?attempt=1", deploy.Attempts[0].Log);
        var secondJob = await cluster.JobOfAttemptAsync(deployId, 2);
        Assert.NotEqual(Name(firstJob), Name(secondJob));
        Assert.NotEqual(firstToken, await TokenOfAsync(secondJob));
        Assert.Equal(1, run.Resumes);
        Assert.Equal("Succeeded", run.Task("resume-verify").State);

        // Attempt 1's token is dead for good.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tasks/{deployId}/outputs")
        {
            Content = new StringContent("""{"values":{"LATE":"x"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", firstToken);
        using var anonymous = new HttpClient { BaseAddress = cluster.Api.BaseAddress };
        using var late = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);

        // Two ends, each announced once, each its own message.
        var ends = await cluster.WaitForMessagesAsync<PipelineRunSucceeded>(e => e.RunId == runId, "the new end is announced");
        Assert.Single(ends);
        Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunFailed>(e => e.RunId == runId, "the first end was announced"));

        // Only a Failed or Cancelled run resumes.
        using var again = await cluster.Api.PostAsync($"/api/v1/runs/{runId}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("is Succeeded; only a Failed or Cancelled run can be resumed", await again.Content.ReadAsStringAsync());
        using var unknown = await cluster.Api.PostAsync($"/api/v1/runs/{Guid.NewGuid()}/resume", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Should_resume_with_one_outcome_and_one_job_per_attempt_when_the_aggregator_and_worker_are_killed()
    {
        cluster.Script("crash-prepare", new PodScript(0, "prepared\n", "RESULT=ready\0"));
        cluster.Script("crash-deploy", PodScript.Fail(4, "timeout talking to the cluster\n"));
        cluster.Script("crash-verify", PodScript.Succeed());
        var runId = await cluster.SubmitAsync(ThreeStages("crash"));
        var failed = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(failed.State == "Failed", Runs.Summary(failed));
        var deployId = failed.Task("crash-deploy").Id;

        // Attempt 2's pod is driven by hand: it runs while the aggregator and the worker die.
        cluster.Script("crash-deploy", null);
        using (var resume = await cluster.Api.PostAsync($"/api/v1/runs/{runId}/resume", null))
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var job = Name(await cluster.JobOfAttemptAsync(deployId, 2));
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.WaitForRunAsync(runId, r => r.Task("crash-deploy") is { Attempt: 2, State: "Running" }, "running attempt 2");

        cluster.Aggregator.Kill();
        cluster.DeployWorker.Kill();
        await cluster.Kubernetes.CompletePodAsync(Ns, job, exitCode: 0, log: "deployed\n");
        await Task.WhenAll(cluster.Aggregator.RestartAsync(), cluster.DeployWorker.RestartAsync());
        await Task.WhenAll(
            cluster.Aggregator.WaitUntilHealthyAsync(KubernetesCluster.StartTimeout),
            cluster.DeployWorker.WaitUntilHealthyAsync(KubernetesCluster.StartTimeout));

        var run = await cluster.WaitForRunAsync(runId, r => r.State == "Succeeded", "succeeded after its resume and the crashes");
        Assert.Equal([(1, "Failed"), (2, "Succeeded")], run.Task("crash-deploy").Attempts.Select(a => (a.Attempt, a.State)));

        // A fence through the restarted deploy worker: once it is reported, no late report of attempt 2 is coming.
        cluster.Script("crash-fence", PodScript.Succeed());
        var fence = await cluster.SubmitAsync("""
            name: crash-fence
            stages:
              - name: fence
                tasks:
                  - name: crash-fence
                    kind: deploy
                    container: { image: "alpine:3.20", command: ["true"] }
            """);
        Assert.Equal("Succeeded", (await cluster.WaitUntilFinalAsync(fence)).State);

        // One outcome per attempt (however often it was published, one MessageId), one Job per attempt.
        var terminal = (await cluster.Spy.DrainAsync())
            .Where(m => m.MessageType == SpiedMessage.UrnOf(typeof(TaskUpdated)))
            .Select(m => (m.MessageId, Update: m.Message.Deserialize<TaskUpdated>(Json)!))
            .Where(u => u.Update.TaskId == deployId && u.Update.State is TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled)
            .ToList();
        foreach (var (attempt, outcome) in new[] { (1, TaskState.Failed), (2, TaskState.Succeeded) })
        {
            var copies = terminal.Where(u => u.Update.Attempt == attempt).Select(u => (u.MessageId, Outcome: u.Update.State.ToString())).ToList();
            Assert.Empty(FaultEvidence.ExactlyOnce($"attempt {attempt}", copies, outcome.ToString()));
        }

        Assert.DoesNotContain(terminal, u => u.Update.Attempt > 2);
        var jobs = cluster.Kubernetes.List("jobs", Ns).Where(j => KubernetesCluster.Label(j, "mflow.dev/task-id") == deployId.ToString()).ToList();
        Assert.Equal(["1", "2"], jobs.Select(j => KubernetesCluster.Label(j, "mflow.dev/attempt")).Order());
        var prepareId = run.Task("crash-prepare").Id.ToString();
        Assert.Single(cluster.Kubernetes.List("jobs", Ns), j => KubernetesCluster.Label(j, "mflow.dev/task-id") == prepareId);
    }

    [Fact]
    public async Task Should_retry_a_failing_task_as_new_attempts_until_it_succeeds()
    {
        cluster.ScriptAttempts("retry-flaky", attempt => attempt < 3 ? PodScript.Fail(1, $"try {attempt} failed\n") : PodScript.Succeed("third time lucky\n"));
        var runId = await cluster.SubmitAsync("""
            name: retry-flaky
            stages:
              - name: test
                tasks:
                  - name: retry-flaky
                    kind: build
                    retries: 2
                    retryBackoff: { delay: 1s, factor: 2 }
                    container: { image: "alpine:3.20", command: [make, test] }
            """);

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        var task = run.Task("retry-flaky");
        Assert.Equal([(1, "Failed"), (2, "Failed"), (3, "Succeeded")], task.Attempts.Select(a => (a.Attempt, a.State)));
        Assert.Equal(3, task.Attempt);
        // Each attempt its own Job, which Kubernetes does not retry; the waits between them as asked.
        var jobs = new List<System.Text.Json.Nodes.JsonObject>();
        foreach (var attempt in new[] { 1, 2, 3 })
            jobs.Add(await cluster.JobOfAttemptAsync(task.Id, attempt));
        Assert.All(jobs, job => Assert.Equal(0, job["spec"]!["backoffLimit"]!.GetValue<int>()));
        Assert.Equal(3, jobs.Select(Name).Distinct().Count());
        Assert.True(task.Attempts[1].StartedAt - task.Attempts[0].FinishedAt >= TimeSpan.FromSeconds(0.9), "the first retry waited its 1 s");
        Assert.True(task.Attempts[2].StartedAt - task.Attempts[1].FinishedAt >= TimeSpan.FromSeconds(1.9), "the second retry waited its 2 s");
    }

    [Fact]
    public async Task Should_not_retry_a_task_that_ran_past_its_deadline()
    {
        var runId = await cluster.SubmitAsync("""
            name: retry-slow
            stages:
              - name: test
                tasks:
                  - name: retry-slow
                    kind: build
                    retries: 3
                    retryBackoff: { delay: 1s }
                    container: { image: "alpine:3.20", command: [sleep, infinity] }
            """);
        var task = (await cluster.GetRunAsync(runId)).Task("retry-slow");
        var job = Name(await cluster.JobOfAttemptAsync(task.Id, 1));
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.WaitForRunAsync(runId, r => r.Task("retry-slow").State == "Running", "running its task");

        await cluster.Kubernetes.ExceedJobDeadlineAsync(Ns, job);

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Failed", Runs.Summary(run));
        task = run.Task("retry-slow");
        Assert.Equal(("DeadlineExceeded", 1), (task.Reason, task.Attempt));
        Assert.Single(task.Attempts);
        Assert.Single(cluster.Kubernetes.List("jobs", Ns), j => KubernetesCluster.Label(j, "mflow.dev/task-id") == task.Id.ToString());
    }

    [Fact]
    public async Task Should_rerun_a_run_from_its_snapshot_as_a_new_run_linked_both_ways()
    {
        cluster.Script("rerun-prepare", new PodScript(0, "prepared\n", "RESULT=ready\0"));
        cluster.Script("rerun-deploy", PodScript.Succeed());
        cluster.Script("rerun-verify", PodScript.Succeed());
        var original = await cluster.SubmitAsync(ThreeStages("rerun"));
        Assert.Equal("Succeeded", (await cluster.WaitUntilFinalAsync(original)).State);

        using var first = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/runs/{original}/rerun") { Headers = { { "Idempotency-Key", "rerun-once" } } };
        using var created = await cluster.Api.SendAsync(first);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rerun = (await created.Content.ReadFromJsonAsync<RunAccepted>(Json))!;
        using var second = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/runs/{original}/rerun") { Headers = { { "Idempotency-Key", "rerun-once" } } };
        using var repeated = await cluster.Api.SendAsync(second);
        var same = (await repeated.Content.ReadFromJsonAsync<RunAccepted>(Json))!;
        Assert.Equal((HttpStatusCode.OK, rerun.Id, false), (repeated.StatusCode, same.Id, same.Created));

        var view = await cluster.WaitUntilFinalAsync(rerun.Id);
        Assert.True(view.State == "Succeeded", Runs.Summary(view));
        Assert.Equal(original, view.RerunOf);
        Assert.Equal("rerun", view.Trigger);
        Assert.Equal([rerun.Id], (await cluster.GetRunAsync(original)).Reruns);
        var before = await cluster.GetRunAsync(original);
        Assert.All(view.Stages.SelectMany(s => s.Tasks), t => Assert.DoesNotContain(before.Stages.SelectMany(s => s.Tasks), o => o.Id == t.Id));
        Assert.Equal("ready", view.Task("rerun-prepare").Outputs["RESULT"]);
    }

    static string Name(System.Text.Json.Nodes.JsonObject job) => job["metadata"]!["name"]!.GetValue<string>();

    // The update token the attempt's Secret (named as its Job, created right after it) hands to the task.
    async Task<string> TokenOfAsync(System.Text.Json.Nodes.JsonObject job)
    {
        var secret = await cluster.Kubernetes.WaitForObjectAsync("secrets", Ns, Name(job));
        return Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]![SecretKeys.UpdateToken]!.GetValue<string>()));
    }
}
