using System.Net;
using System.Text;
using MFlow.Kubernetes.Configuration;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Integration;

public sealed class When_using_the_client_against_the_fake_server : FakeServerTest
{
    [Fact]
    public async Task Should_create_get_list_patch_and_delete_a_job()
    {
        var created = await Client.CreateJobAsync(Namespace, NewJob("build-1"));
        await Client.CreateJobAsync("other-team", NewJob("build-2"));
        await Client.CreateJobAsync(Namespace, NewJob("unrelated", run: "run-2"));

        var read = await Client.GetJobAsync(Namespace, "build-1");
        var inNamespace = await Client.ListJobsAsync(Namespace, new ListOptions { LabelSelector = "mflow.io/run=run-1" });
        var everywhere = await Client.ListJobsAsync(null, new ListOptions { LabelSelector = "mflow.io/run=run-1" });
        var patched = await Client.PatchJobMetadataAsync(Namespace, "build-1", new Dictionary<string, string?> { ["mflow.io/state"] = "seen", ["mflow.io/run"] = null });
        await Client.DeleteJobAsync(Namespace, "build-1");
        await Server.WaitForDeletionAsync("jobs", Namespace, "build-1");

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal(["build-1"], inNamespace.Items.Select(j => j.Metadata.Name));
        Assert.Equal(["build-2", "build-1"], everywhere.Items.Select(j => j.Metadata.Name).OrderByDescending(n => n));
        Assert.Equal("seen", patched.Metadata.Labels!["mflow.io/state"]);
        Assert.False(patched.Metadata.Labels.ContainsKey("mflow.io/run"));
        await Assert.ThrowsAsync<NotFoundException>(() => Client.GetJobAsync(Namespace, "build-1"));
        Assert.False(await Client.DeleteJobIfExistsAsync(Namespace, "build-1"));
    }

    [Fact]
    public async Task Should_answer_AlreadyExists_for_a_second_create_of_the_same_name()
    {
        await Client.CreateJobAsync(Namespace, NewJob("build-1"));

        var ex = await Assert.ThrowsAsync<AlreadyExistsException>(() => Client.CreateJobAsync(Namespace, NewJob("build-1")));

        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Equal("AlreadyExists", ex.Reason);
    }

    [Fact]
    public async Task Should_answer_Invalid_with_a_cause_per_bad_field()
    {
        var ex = await Assert.ThrowsAsync<InvalidException>(() => Client.CreateJobAsync(Namespace, NewJob("Bad_Name", restartPolicy: RestartPolicies.Always)));

        var fields = ex.Causes.Select(c => c.Field).ToList();
        Assert.Contains("metadata.name", fields);
        Assert.Contains("spec.template.spec.restartPolicy", fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.StatusCode);
    }

    [Fact]
    public async Task Should_watch_a_job_from_creation_to_completion()
    {
        var created = await Client.CreateJobAsync(Namespace, NewJob("build-1"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<Job>();

        var watching = Task.Run(async () =>
        {
            await foreach (var e in Client.WatchJobsAsync(Namespace, new WatchOptions { ResourceVersion = created.Metadata.ResourceVersion, FieldSelector = "metadata.name=build-1" }, cts.Token))
            {
                if (e.Type == WatchEventType.Bookmark)
                {
                    continue;
                }

                lock (seen)
                {
                    seen.Add(e.Object);
                }

                if (e.Object.Status?.Succeeded == 1)
                {
                    return;
                }
            }
        });

        await Server.SetPodRunningAsync(Namespace, "build-1");
        await Server.CompletePodAsync(Namespace, "build-1", exitCode: 0, log: "done\n");
        await watching.WaitAsync(cts.Token);

        Assert.Contains(seen, j => j.Status?.Ready == 1);
        var last = seen[^1];
        Assert.Contains(last.Status!.Conditions!, c => c is { Type: "Complete", Status: "True" });
    }

    [Fact]
    public async Task Should_see_a_job_fail_when_its_deadline_passes()
    {
        await Client.CreateJobAsync(Namespace, NewJob("build-1"));
        await Server.WaitForControllersAsync();

        await Server.ExceedJobDeadlineAsync(Namespace, "build-1");

        var job = await Client.GetJobAsync(Namespace, "build-1");
        Assert.Contains(job.Status!.Conditions!, c => c is { Type: "Failed", Status: "True", Reason: "DeadlineExceeded" });
    }

    [Fact]
    public async Task Should_read_the_log_and_termination_message_of_a_finished_pod()
    {
        await Client.CreateJobAsync(Namespace, NewJob("build-1"));
        await Server.WaitForControllersAsync();
        await Server.CompletePodAsync(Namespace, "build-1", exitCode: 3, log: "step 1\nstep 2\nboom\n", terminationMessage: "compile failed");

        var pods = await Client.ListPodsAsync(Namespace, new ListOptions { LabelSelector = "job-name=build-1" });
        var pod = Assert.Single(pods.Items);
        var full = await Client.ReadPodLogAsync(Namespace, pod.Metadata.Name!);
        var tail = await Client.ReadPodLogAsync(Namespace, pod.Metadata.Name!, new PodLogOptions { Container = "main", TailLines = 1 });
        var read = await Client.GetPodAsync(Namespace, pod.Metadata.Name!);

        Assert.Equal("step 1\nstep 2\nboom\n", full);
        Assert.Equal("boom\n", tail);
        var terminated = read.Status!.ContainerStatuses![0].State!.Terminated!;
        Assert.Equal((3, "compile failed"), (terminated.ExitCode, terminated.Message));
    }

    [Fact]
    public async Task Should_create_read_and_delete_secrets_and_config_maps()
    {
        await Client.CreateSecretAsync(Namespace, new Secret
        {
            Metadata = new ObjectMeta { Name = "git-ssh" },
            Type = "Opaque",
            Data = new() { ["id_ed25519"] = Encoding.UTF8.GetBytes("-----BEGIN KEY-----") },
            StringData = new() { ["known_hosts"] = "github.com ssh-ed25519 AAAA" },
        });
        await Client.CreateConfigMapAsync(Namespace, new ConfigMap { Metadata = new ObjectMeta { Name = "params" }, Data = new() { ["a"] = "1" } });

        var secret = await Client.GetSecretAsync(Namespace, "git-ssh");
        var secrets = await Client.ListSecretsAsync(Namespace);
        var configMap = await Client.GetConfigMapAsync(Namespace, "params");
        await Client.DeleteSecretAsync(Namespace, "git-ssh");
        await Client.DeleteConfigMapAsync(Namespace, "params");

        Assert.Equal("-----BEGIN KEY-----", Encoding.UTF8.GetString(secret.Data!["id_ed25519"]));
        Assert.Equal("github.com ssh-ed25519 AAAA", Encoding.UTF8.GetString(secret.Data["known_hosts"]));
        Assert.Contains(secrets.Items, s => s.Metadata.Name == "git-ssh");
        Assert.Equal("1", configMap.Data!["a"]);
        await Assert.ThrowsAsync<NotFoundException>(() => Client.GetSecretAsync(Namespace, "git-ssh"));
        await Assert.ThrowsAsync<NotFoundException>(() => Client.GetConfigMapAsync(Namespace, "params"));
    }

    [Fact]
    public async Task Should_retry_through_injected_503s_and_honour_Retry_After()
    {
        await Client.CreateJobAsync(Namespace, NewJob("build-1"));
        Server.ResetRequests();
        Server.InjectFaults(2, 503, pathContains: "/jobs/build-1");
        var job = await Client.GetJobAsync(Namespace, "build-1");
        Server.InjectFaults(1, 429, retryAfter: TimeSpan.FromSeconds(1), pathContains: "/jobs");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var list = await Client.ListJobsAsync(Namespace);

        Assert.Equal("build-1", job.Metadata.Name);
        Assert.Single(list.Items);
        Assert.Equal([503, 503, 200, 429, 200], Server.Requests.Select(r => r.StatusCode));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(0.9), $"Retry-After was not honoured ({stopwatch.Elapsed})");
    }

    [Fact]
    public async Task Should_be_refused_with_a_wrong_token()
    {
        using var client = CreateClient(KubernetesConnection.ForServer(Server.BaseAddress, "not-the-token", Server.CaCertificatePem, Namespace));

        var ex = await Assert.ThrowsAsync<UnauthorizedException>(() => client.ListJobsAsync(Namespace));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.DoesNotContain("not-the-token", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_authenticate_with_a_client_certificate_from_the_kubeconfig()
    {
        var connection = KubernetesConnection.FromKubeconfigYaml(Server.CreateKubeconfig(Namespace, useClientCertificate: true));
        using var client = CreateClient(connection);

        await client.CreateJobAsync(Namespace, NewJob("build-1"));

        Assert.Equal("client-certificate", connection.AuthenticationMethod);
        var create = Assert.Single(Server.Requests, r => r.Verb == "create");
        Assert.Equal(201, create.StatusCode);
        Assert.NotNull(create.User);
    }

    [Fact]
    public async Task Should_refuse_a_server_whose_certificate_is_not_from_the_pinned_ca()
    {
        var otherCa = TestCertificates.CreateCa("someone-else").CertificatePem;
        using var client = CreateClient(KubernetesConnection.ForServer(Server.BaseAddress, Server.Token, otherCa, Namespace));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.ListJobsAsync(Namespace));

        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Should_skip_verification_only_when_the_kubeconfig_asks_for_it()
    {
        var yaml = $"""
            current-context: fake
            clusters:
            - name: fake
              cluster:
                server: {Server.BaseAddress}
                insecure-skip-tls-verify: true
            contexts:
            - name: fake
              context: {"{"} cluster: fake, user: fake, namespace: {Namespace} {"}"}
            users:
            - name: fake
              user:
                token: {Server.Token}
            """;
        using var insecure = CreateClient(KubernetesConnection.FromKubeconfigYaml(yaml));
        using var unpinned = CreateClient(KubernetesConnection.FromKubeconfigYaml(yaml.Replace("insecure-skip-tls-verify: true", "insecure-skip-tls-verify: false", StringComparison.Ordinal)), maxAttempts: 1);

        var list = await insecure.ListJobsAsync(Namespace);

        Assert.Empty(list.Items);
        await Assert.ThrowsAsync<HttpRequestException>(() => unpinned.ListJobsAsync(Namespace));
    }
}
