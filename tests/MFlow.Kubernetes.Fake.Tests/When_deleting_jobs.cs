using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_deleting_jobs : ServerTest
{
    [Fact]
    public async Task Should_delete_the_job_now_and_its_pods_and_owned_secrets_right_after_by_default()
    {
        var job = await CreateJobWithSecretAsync("build-1");

        var response = await Client.DeleteAsync($"{Manifests.JobsPath}/build-1");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Success", response.Json["status"]!.GetValue<string>());
        Assert.Equal(job.Uid(), response.Json["details"]!["uid"]!.GetValue<string>());
        Assert.Equal("jobs", response.Json["details"]!["kind"]!.GetValue<string>());
        Assert.Null(Server.GetObject("jobs", "default", "build-1"));
        await Server.WaitForControllersAsync();
        Assert.Empty(Server.GetJobPods("default", "build-1"));
        Assert.Null(Server.GetObject("secrets", "default", "build-1-creds"));
        var deletions = Server.Events.Where(e => e.Type == "DELETED").Select(e => e.Resource).ToList();
        Assert.Equal(["jobs", "pods", "secrets"], deletions.Order().ToList());
        Assert.Equal("jobs", deletions[0]);
    }

    [Fact]
    public async Task Should_read_the_policy_from_a_DeleteOptions_body()
    {
        await CreateJobWithSecretAsync("build-1");

        var response = await Client.DeleteAsync(
            $"{Manifests.JobsPath}/build-1",
            new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = "Orphan" });
        await Server.WaitForControllersAsync();

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.Null(pod["metadata"]!["ownerReferences"]);
        Assert.NotNull(Server.GetObject("secrets", "default", "build-1-creds"));
    }

    [Fact]
    public async Task Should_delete_pods_before_the_job_in_the_foreground()
    {
        await CreateJobWithSecretAsync("build-1");

        var response = await Client.DeleteAsync($"{Manifests.JobsPath}/build-1?propagationPolicy=Foreground");
        await Server.WaitForDeletionAsync("jobs", "default", "build-1");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Job", response.Json["kind"]!.GetValue<string>());
        Assert.NotNull(response.Json["metadata"]!["deletionTimestamp"]);
        Assert.Contains("foregroundDeletion", response.Json["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        var order = Server.Events.Where(e => e.Type == "DELETED").Select(e => e.Resource).ToList();
        Assert.Equal("jobs", order[^1]);
        Assert.Empty(Server.GetJobPods("default", "build-1"));
    }

    [Fact]
    public async Task Should_refuse_a_failed_uid_precondition()
    {
        await CreateJobWithSecretAsync("build-1");

        var response = await Client.DeleteAsync(
            $"{Manifests.JobsPath}/build-1",
            new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = "not-the-uid" } });

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.StartsWith("Operation cannot be fulfilled on jobs.batch \"build-1\": Precondition failed: UID in precondition: not-the-uid", response.Json["message"]!.GetValue<string>());
        Assert.NotNull(Server.GetObject("jobs", "default", "build-1"));
    }

    [Fact]
    public async Task Should_answer_404_for_a_job_that_does_not_exist()
    {
        var response = await Client.DeleteAsync($"{Manifests.JobsPath}/ghost");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("NotFound", response.Json["reason"]!.GetValue<string>());
        Assert.Equal("jobs.batch \"ghost\" not found", response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_collect_an_object_whose_owner_is_already_gone()
    {
        var job = await CreateJobWithSecretAsync("build-1");
        await Client.DeleteAsync($"{Manifests.JobsPath}/build-1");

        var late = await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("late", owner: job));
        await Server.WaitForControllersAsync();

        Assert.Equal(HttpStatusCode.Created, late.Status);
        Assert.Null(Server.GetObject("secrets", "default", "late"));
    }

    [Fact]
    public async Task Should_delete_a_collection_by_label()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("a", j => j["metadata"]!["labels"]!["mflow.io/run"] = "r1"));
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("b", j => j["metadata"]!["labels"]!["mflow.io/run"] = "r2"));

        var response = await Client.DeleteAsync($"{Manifests.JobsPath}?labelSelector=mflow.io/run%3Dr1");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("a", Assert.Single(response.Json["items"]!.AsArray())!.AsObject().Name());
        Assert.Equal(["b"], Server.List("jobs").Select(j => j.Name()));
    }

    private async Task<JsonObject> CreateJobWithSecretAsync(string name)
    {
        var job = (await Client.PostAsync(Manifests.JobsPath, Manifests.Job(name))).Json;
        var secret = await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret($"{name}-creds", owner: job));
        Assert.Equal(HttpStatusCode.Created, secret.Status);
        await Server.WaitForControllersAsync();
        Assert.Single(Server.GetJobPods("default", name));
        return job;
    }
}
