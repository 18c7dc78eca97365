using System.Net;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_auto_running_pods : ServerTest
{
    protected override FakeKubernetesOptions Options => new()
    {
        // Jobs named fail-* exit 3; jobs named stuck-* never pull their image; the rest succeed.
        AutoRun = pod =>
        {
            var name = pod.Name();
            if (name.StartsWith("stuck-", StringComparison.Ordinal))
            {
                return new PodScript { WaitingReason = "ErrImagePull", WaitingMessage = "not found" };
            }

            return name.StartsWith("fail-", StringComparison.Ordinal)
                ? PodScript.Fail(3, "boom\n")
                : new PodScript(0, "done\n", "ok", RunningDelay: TimeSpan.FromMilliseconds(10));
        },
    };

    [Fact]
    public async Task Should_complete_each_pod_as_soon_as_it_exists()
    {
        for (var i = 0; i < 5; i++)
        {
            await Client.PostAsync(Manifests.JobsPath, Manifests.Job($"build-{i}"));
        }

        for (var i = 0; i < 5; i++)
        {
            var job = await Server.WaitForObjectAsync("jobs", "default", $"build-{i}", j => j.IsFinished());
            Assert.Equal("Complete", job.ConditionTypes()[^1]);
        }

        var pod = Assert.Single(Server.GetJobPods("default", "build-0"));
        var log = await Client.GetAsync($"{Manifests.PodsPath}/{pod.Name()}/log");
        Assert.Equal("done\n", log.Text);
    }

    [Fact]
    public async Task Should_retry_failing_scripts_up_to_the_backoff_limit()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("fail-1", j => j["spec"]!["backoffLimit"] = 2));

        var job = await Server.WaitForObjectAsync("jobs", "default", "fail-1", j => j.IsFinished());

        Assert.Equal("Failed", job.ConditionTypes()[^1]);
        Assert.Equal(3, job.StatusCount("failed"));
        Assert.Equal(3, Server.GetJobPods("default", "fail-1").Count);
    }

    [Fact]
    public async Task Should_leave_a_pod_waiting_when_the_script_says_so()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("stuck-1"));

        var pods = await WaitForWaitingPodAsync("stuck-1");
        var log = await Client.GetAsync($"{Manifests.PodsPath}/{pods.Name()}/log");

        Assert.Equal(HttpStatusCode.BadRequest, log.Status);
        Assert.Equal($"container \"main\" in pod \"{pods.Name()}\" is waiting to start: trying and failing to pull image", log.Json["message"]!.GetValue<string>());
    }

    private async Task<System.Text.Json.Nodes.JsonObject> WaitForWaitingPodAsync(string jobName)
    {
        await Server.WaitForObjectAsync("jobs", "default", jobName, j => j.StatusCount("active") == 1);
        var name = Assert.Single(Server.GetJobPods("default", jobName)).Name();
        return await Server.WaitForObjectAsync(
            "pods",
            "default",
            name,
            pod => pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() == "ErrImagePull");
    }
}
