using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_running_job_pods : ServerTest
{
    [Fact]
    public async Task Should_mark_the_pod_running_and_the_job_ready()
    {
        await CreateJobAsync("build-1", j => j.PodSpec()["initContainers"] = new JsonArray(new JsonObject { ["name"] = "clone", ["image"] = "alpine/git:2" }));

        await Server.SetPodRunningAsync("default", "build-1");

        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.Equal("Running", pod.Phase());
        Assert.NotNull(pod["status"]!["containerStatuses"]![0]!["state"]!["running"]);
        Assert.True(pod["status"]!["containerStatuses"]![0]!["ready"]!.GetValue<bool>());
        Assert.Equal(0, pod["status"]!["initContainerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(1, job.StatusCount("ready"));
        Assert.Equal(1, job.StatusCount("active"));
    }

    [Fact]
    public async Task Should_complete_the_job_when_its_pod_succeeds()
    {
        await CreateJobAsync("build-1");
        await Server.SetPodRunningAsync("default", "build-1");

        await Server.CompletePodAsync("default", "build-1", 0, "built\n", terminationMessage: "{\"digest\":\"sha256:abc\"}");

        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.Equal("Succeeded", pod.Phase());
        var terminated = pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!;
        Assert.Equal(0, terminated["exitCode"]!.GetValue<int>());
        Assert.Equal("Completed", terminated["reason"]!.GetValue<string>());
        Assert.Equal("{\"digest\":\"sha256:abc\"}", terminated["message"]!.GetValue<string>());
        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(["SuccessCriteriaMet", "Complete"], job.ConditionTypes());
        Assert.Equal(1, job.StatusCount("succeeded"));
        Assert.Null(job.StatusCount("active"));
        Assert.NotNull(job["status"]!["completionTime"]);
    }

    private const string Policy = """{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]},{"action":"FailJob","onExitCodes":{"operator":"In","values":[2,42]}}]}""";

    [Fact]
    public async Task Should_fail_the_job_at_once_with_reason_PodFailurePolicy_on_an_exit_code_a_FailJob_rule_names()
    {
        await CreateJobAsync("build-1", j =>
        {
            j["spec"]!["backoffLimit"] = 5;
            j["spec"]!["podFailurePolicy"] = JsonNode.Parse(Policy);
        });

        await Server.CompletePodAsync("default", "build-1", 42, "bad Dockerfile\n");

        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(["FailureTarget", "Failed"], job.ConditionTypes());
        var failed = job["status"]!["conditions"]!.AsArray().Last()!;
        Assert.Equal("PodFailurePolicy", failed["reason"]!.GetValue<string>());
        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.Equal($"Container {job.Container()["name"]} for pod default/{pod.Name()} failed with exit code 42 matching FailJob rule at index 1", failed["message"]!.GetValue<string>());
        Assert.Equal(1, job.StatusCount("failed"));
        Assert.Equal("Failed", job["spec"]!["podReplacementPolicy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_replace_an_evicted_pod_without_counting_it_when_the_policy_ignores_disruptions()
    {
        await CreateJobAsync("build-1", j =>
        {
            j["spec"]!["backoffLimit"] = 0;
            j["spec"]!["podFailurePolicy"] = JsonNode.Parse(Policy);
        });
        await Server.SetPodRunningAsync("default", "build-1");

        await Server.EvictPodAsync("default", "build-1");

        var pods = Server.GetJobPods("default", "build-1");
        Assert.Equal(2, pods.Count);
        var evicted = pods.Single(p => p.Phase() == "Failed");
        Assert.Equal("Evicted", evicted["status"]!["reason"]!.GetValue<string>());
        var disruption = evicted["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "DisruptionTarget")!;
        Assert.Equal(("True", "TerminationByKubelet"), (disruption["status"]!.GetValue<string>(), disruption["reason"]!.GetValue<string>()));
        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Null(job.StatusCount("failed"));
        Assert.Empty(job.ConditionTypes());

        await Server.CompletePodAsync("default", "build-1", 0);
        Assert.Equal(["SuccessCriteriaMet", "Complete"], Server.GetObject("jobs", "default", "build-1")!.ConditionTypes());
    }

    [Fact]
    public async Task Should_count_an_eviction_against_the_backoff_limit_without_a_policy()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["backoffLimit"] = 0);
        await Server.SetPodRunningAsync("default", "build-1");

        await Server.EvictPodAsync("default", "build-1");

        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(1, job.StatusCount("failed"));
        Assert.Equal("BackoffLimitExceeded", job["status"]!["conditions"]!.AsArray().Last()!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_retry_with_a_new_pod_then_fail_past_the_backoff_limit()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["backoffLimit"] = 1);
        var firstPod = Assert.Single(Server.GetJobPods("default", "build-1")).Name();

        await Server.CompletePodAsync("default", "build-1", 2, "compile error\n");

        var afterFirst = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(1, afterFirst.StatusCount("failed"));
        Assert.Equal(1, afterFirst.StatusCount("active"));
        Assert.Empty(afterFirst.ConditionTypes());
        var pods = Server.GetJobPods("default", "build-1");
        Assert.Equal(2, pods.Count);
        var failed = pods.Single(pod => pod.Name() == firstPod);
        Assert.Equal("Failed", failed.Phase());
        Assert.Equal("Error", failed["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["reason"]!.GetValue<string>());
        Assert.Equal(2, failed["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());

        await Server.CompletePodAsync("default", "build-1", 1);

        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(["FailureTarget", "Failed"], job.ConditionTypes());
        var condition = job["status"]!["conditions"]!.AsArray().Last()!;
        Assert.Equal("BackoffLimitExceeded", condition["reason"]!.GetValue<string>());
        Assert.Equal("Job has reached the specified backoff limit", condition["message"]!.GetValue<string>());
        Assert.Equal(2, job.StatusCount("failed"));
        Assert.Null(job.StatusCount("active"));
        Assert.Equal(2, Server.GetJobPods("default", "build-1").Count);
    }

    [Fact]
    public async Task Should_fail_the_job_and_remove_its_pod_when_the_deadline_passes()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["activeDeadlineSeconds"] = 3600);
        await Server.SetPodRunningAsync("default", "build-1");

        await Server.ExceedJobDeadlineAsync("default", "build-1");

        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(["FailureTarget", "Failed"], job.ConditionTypes());
        var condition = job["status"]!["conditions"]!.AsArray().Last()!;
        Assert.Equal("DeadlineExceeded", condition["reason"]!.GetValue<string>());
        Assert.Equal("Job was active longer than specified deadline", condition["message"]!.GetValue<string>());
        Assert.Equal(1, job.StatusCount("failed"));
        Assert.Empty(Server.GetJobPods("default", "build-1"));
    }

    [Fact]
    public async Task Should_hold_a_failing_job_at_FailureTarget_until_its_killed_pod_has_terminated()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["activeDeadlineSeconds"] = 3600);
        await Server.SetPodRunningAsync("default", "build-1");
        Server.HoldPodTermination = true;

        await Server.ExceedJobDeadlineAsync("default", "build-1");

        var decided = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(["FailureTarget"], decided.ConditionTypes());
        Assert.False(decided.IsFinished());
        Assert.Equal(1, decided.StatusCount("terminating"));
        Assert.Null(decided.StatusCount("active"));
        var terminating = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.NotNull(terminating["metadata"]!["deletionTimestamp"]);
        Assert.Equal("Running", terminating.Phase());

        await Server.ReleasePodTerminationsAsync();

        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(["FailureTarget", "Failed"], job.ConditionTypes());
        Assert.Equal(0, job.StatusCount("terminating"));
        Assert.Empty(Server.GetJobPods("default", "build-1"));
    }

    [Fact]
    public async Task Should_write_the_target_condition_the_pod_kill_and_the_final_condition_as_separate_events()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["activeDeadlineSeconds"] = 3600);
        await Server.SetPodRunningAsync("default", "build-1");
        var from = Server.ResourceVersion;

        await Server.ExceedJobDeadlineAsync("default", "build-1");

        await using var watch = await Client.WatchAsync($"/api/v1/namespaces/default/pods?watch=true&resourceVersion={from}");
        var podEvents = new List<JsonObject>();
        for (var e = await watch.NextChangeAsync(); ; e = await watch.NextChangeAsync())
        {
            podEvents.Add(e);
            if (e.Type() == "DELETED")
            {
                break;
            }
        }

        await using var jobs = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={from}");
        var interim = await jobs.NextChangeAsync();
        var final = await jobs.NextChangeAsync();
        // Interim condition, then the pod deleted, killed (exit 137, Failed) and gone, then the final condition.
        Assert.Equal(["FailureTarget"], interim["object"]!.AsObject().ConditionTypes());
        Assert.Equal(["FailureTarget", "Failed"], final["object"]!.AsObject().ConditionTypes());
        var interimVersion = long.Parse(interim["object"]!.AsObject().ResourceVersion());
        var finalVersion = long.Parse(final["object"]!.AsObject().ResourceVersion());
        Assert.All(podEvents, e => Assert.InRange(long.Parse(e["object"]!.AsObject().ResourceVersion()), interimVersion + 1, finalVersion - 1));
        Assert.Equal(["MODIFIED", "MODIFIED", "DELETED"], podEvents.Select(e => e.Type()));
        Assert.NotNull(podEvents[0]["object"]!["metadata"]!["deletionTimestamp"]);
        var killed = podEvents[1]["object"]!.AsObject();
        Assert.Equal("Failed", killed.Phase());
        Assert.Equal(137, killed["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_write_SuccessCriteriaMet_before_Complete()
    {
        await CreateJobAsync("build-1");
        await Server.WaitForControllersAsync();
        var from = Server.ResourceVersion;

        await Server.CompletePodAsync("default", "build-1", 0);

        await using var jobs = await Client.WatchAsync($"{Manifests.JobsPath}?watch=true&resourceVersion={from}");
        var counted = await jobs.NextChangeAsync();
        while (counted["object"]!.AsObject().ConditionTypes().Count == 0)
        {
            counted = await jobs.NextChangeAsync();
        }

        var final = await jobs.NextChangeAsync();
        Assert.Equal(["SuccessCriteriaMet"], counted["object"]!.AsObject().ConditionTypes());
        Assert.Null(counted["object"]!["status"]!["completionTime"]);
        Assert.Equal(["SuccessCriteriaMet", "Complete"], final["object"]!.AsObject().ConditionTypes());
        Assert.NotNull(final["object"]!["status"]!["completionTime"]);
    }

    [Fact]
    public async Task Should_honour_activeDeadlineSeconds_with_a_timer()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["activeDeadlineSeconds"] = 1);

        var job = await Server.WaitForObjectAsync("jobs", "default", "build-1", j => j.IsFinished());

        Assert.Equal("DeadlineExceeded", job["status"]!["conditions"]!.AsArray().Last()!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_report_the_waiting_reason_of_an_image_pull_failure()
    {
        await CreateJobAsync("build-1");

        await Server.SetPodWaitingAsync("default", "build-1", "ImagePullBackOff", "Back-off pulling image \"busybox:1.36\"");

        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));
        var waiting = pod["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!;
        Assert.Equal("ImagePullBackOff", waiting["reason"]!.GetValue<string>());
        Assert.Equal("Back-off pulling image \"busybox:1.36\"", waiting["message"]!.GetValue<string>());
        Assert.Equal("Pending", pod.Phase());
    }

    [Fact]
    public async Task Should_replace_a_pod_deleted_while_running_and_count_it_failed()
    {
        await CreateJobAsync("build-1");
        await Server.SetPodRunningAsync("default", "build-1");
        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));

        var deleted = await Client.DeleteAsync($"{Manifests.PodsPath}/{pod.Name()}");
        await Server.WaitForControllersAsync();

        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Equal("Pod", deleted.Json["kind"]!.GetValue<string>());
        var replacement = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.NotEqual(pod.Name(), replacement.Name());
        var job = Server.GetObject("jobs", "default", "build-1")!;
        Assert.Equal(1, job.StatusCount("failed"));
        Assert.Equal(1, job.StatusCount("active"));
    }

    [Fact]
    public async Task Should_delete_a_finished_job_after_its_ttl()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["ttlSecondsAfterFinished"] = 0);

        await Server.CompletePodAsync("default", "build-1", 0);
        await Server.WaitForDeletionAsync("jobs", "default", "build-1");
        await Server.WaitForControllersAsync();

        Assert.Empty(Server.GetJobPods("default", "build-1"));
    }

    [Fact]
    public async Task Should_refuse_controls_for_a_job_that_does_not_exist()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Server.SetPodRunningAsync("default", "ghost"));

        Assert.Contains("ghost", error.Message);
    }

    [Fact]
    public async Task Should_refuse_to_complete_a_job_that_already_finished()
    {
        await CreateJobAsync("build-1");
        await Server.CompletePodAsync("default", "build-1", 0);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Server.CompletePodAsync("default", "build-1", 0));
    }
}
