using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

/// <summary>
/// The kubelet starts a pod only once every Secret and ConfigMap it names (and every key) exists, unless
/// the reference is optional; it starts it as soon as they are created.
/// </summary>
public sealed class When_a_pod_names_secrets_and_configmaps : ServerTest
{
    // Bounds how long a control waits for a pod that cannot start.
    protected override FakeKubernetesOptions Options => new() { DefaultWaitTimeout = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task Should_keep_a_container_whose_env_names_a_missing_secret_in_CreateContainerConfigError_until_it_exists()
    {
        await CreateJobAsync("build-1", j => j.Container()["env"] = new JsonArray(SecretEnv("TOKEN", "creds", "token")));

        var pod = await PodAsync("build-1");
        var waiting = MainWaiting(pod);
        Assert.Equal("Pending", pod.Phase());
        Assert.Equal("CreateContainerConfigError", waiting?["reason"]?.GetValue<string>());
        Assert.Equal("secret \"creds\" not found", waiting?["message"]?.GetValue<string>());

        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("creds"))).Status);
        Assert.Equal("ContainerCreating", MainWaiting(await PodAsync("build-1"))?["reason"]?.GetValue<string>());

        await Server.SetPodRunningAsync("default", "build-1");
        Assert.Equal("Running", (await PodAsync("build-1")).Phase());
    }

    [Fact]
    public async Task Should_name_a_missing_key_the_way_the_kubelet_does()
    {
        await Client.PostAsync(Manifests.ConfigMapsPath, Manifests.ConfigMap("settings", "other"));
        await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("creds"));
        await CreateJobAsync("build-1", j => j.Container()["env"] = new JsonArray(
            SecretEnv("TOKEN", "creds", "password")));
        await CreateJobAsync("build-2", j => j.Container()["env"] = new JsonArray(new JsonObject
        {
            ["name"] = "MODE",
            ["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "settings", ["key"] = "mode" } },
        }));

        Assert.Equal("couldn't find key password in Secret default/creds", MainWaiting(await PodAsync("build-1"))?["message"]?.GetValue<string>());
        Assert.Equal("couldn't find key mode in ConfigMap default/settings", MainWaiting(await PodAsync("build-2"))?["message"]?.GetValue<string>());
    }

    [Fact]
    public async Task Should_start_a_pod_whose_every_missing_reference_is_optional()
    {
        await CreateJobAsync("build-1", j =>
        {
            var optionalEnv = SecretEnv("TOKEN", "absent", "token");
            optionalEnv["valueFrom"]!["secretKeyRef"]!["optional"] = true;
            j.Container()["env"] = new JsonArray(optionalEnv);
            j.Container()["envFrom"] = new JsonArray(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = "absent", ["optional"] = true } });
            j.PodSpec()["volumes"] = new JsonArray(new JsonObject
            {
                ["name"] = "creds",
                ["secret"] = new JsonObject { ["secretName"] = "absent", ["optional"] = true },
            });
        });

        await Server.SetPodRunningAsync("default", "build-1");

        Assert.Equal("Running", (await PodAsync("build-1")).Phase());
    }

    [Fact]
    public async Task Should_keep_a_pod_whose_volume_names_a_missing_object_creating_and_start_it_once_it_exists()
    {
        await CreateJobAsync("build-1", j => j.PodSpec()["volumes"] = new JsonArray(new JsonObject
        {
            ["name"] = "config",
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray(new JsonObject { ["configMap"] = new JsonObject { ["name"] = "playbook" } }),
            },
        }));

        var pod = await PodAsync("build-1");
        Assert.Equal("Pending", pod.Phase());
        Assert.Equal("ContainerCreating", MainWaiting(pod)?["reason"]?.GetValue<string>());

        await Client.PostAsync(Manifests.ConfigMapsPath, Manifests.ConfigMap("playbook", "playbook.yml"));
        await Server.SetPodRunningAsync("default", "build-1");

        Assert.Equal("Running", (await PodAsync("build-1")).Phase());
    }

    [Fact]
    public async Task Should_refuse_to_start_a_pod_that_cannot_start_with_the_kubelets_reason()
    {
        await CreateJobAsync("build-1", j => j.PodSpec()["volumes"] = new JsonArray(new JsonObject
        {
            ["name"] = "registry-credentials",
            ["secret"] = new JsonObject { ["secretName"] = "kaniko-secret" },
        }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Server.CompletePodAsync("default", "build-1", 0));

        Assert.Contains("MountVolume.SetUp failed for volume \"registry-credentials\" : secret \"kaniko-secret\" not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_play_an_auto_run_script_only_once_the_pod_can_start()
    {
        Server.AutoRun = _ => PodScript.Succeed("done\n");
        await CreateJobAsync("build-1", j => j.Container()["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = "creds" } }));
        var pod = await PodAsync("build-1");
        Assert.Equal("secret \"creds\" not found", MainWaiting(pod)?["message"]?.GetValue<string>());
        Assert.False(Server.GetObject("jobs", "default", "build-1")!.IsFinished());

        await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("creds"));

        var job = await Server.WaitForObjectAsync("jobs", "default", "build-1", j => j.IsFinished());
        Assert.Equal("Complete", job.ConditionTypes()[^1]);
    }

    [Fact]
    public async Task Should_collect_a_secret_whose_owner_reference_is_patched_in_with_its_job()
    {
        await CreateJobAsync("build-1");
        var job = Server.GetObject("jobs", "default", "build-1")!;
        await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("build-1"));

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = new JsonArray(Manifests.OwnerReference(job)) } };
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsync($"{Manifests.SecretsPath}/build-1", patch)).Status);
        await Client.DeleteAsync($"{Manifests.JobsPath}/build-1");

        await Server.WaitForDeletionAsync("secrets", "default", "build-1");
    }

    [Fact]
    public async Task Should_collect_a_secret_patched_to_name_only_an_owner_that_is_gone()
    {
        await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("build-1"));
        var gone = new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["metadata"] = new JsonObject { ["name"] = "build-1", ["uid"] = Guid.NewGuid().ToString() } };

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = new JsonArray(Manifests.OwnerReference(gone)) } };
        await Client.PatchAsync($"{Manifests.SecretsPath}/build-1", patch);

        await Server.WaitForDeletionAsync("secrets", "default", "build-1");
    }

    [Fact]
    public async Task Should_refuse_an_owner_reference_without_uid()
    {
        await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("build-1"));
        var patch = JsonNode.Parse("""{"metadata":{"ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"build-1"}]}}""")!;

        var response = await Client.PatchAsync($"{Manifests.SecretsPath}/build-1", patch);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Contains(("FieldValueInvalid", "metadata.ownerReferences.uid", "Invalid value: \"\": uid must not be empty"), response.Causes);
    }

    [Fact]
    public async Task Should_fail_a_running_job_whose_deadline_is_lowered_below_its_age()
    {
        await CreateJobAsync("build-1", j => j["spec"]!["activeDeadlineSeconds"] = 3600);
        await Server.SetPodRunningAsync("default", "build-1");

        var patch = new JsonObject { ["spec"] = new JsonObject { ["activeDeadlineSeconds"] = 1 } };
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsync($"{Manifests.JobsPath}/build-1", patch)).Status);

        var job = await Server.WaitForObjectAsync("jobs", "default", "build-1", j => j.IsFinished());
        Assert.Equal("Failed", job.ConditionTypes()[^1]);
        Assert.Equal("DeadlineExceeded", job["status"]!["conditions"]!.AsArray().Last()!["reason"]!.GetValue<string>());
    }

    private async Task<JsonObject> PodAsync(string job)
    {
        await Server.WaitForControllersAsync();
        return Assert.Single(Server.GetJobPods("default", job));
    }

    private static JsonNode? MainWaiting(JsonObject pod) => pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"];

    private static JsonObject SecretEnv(string name, string secret, string key) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } },
    };
}
