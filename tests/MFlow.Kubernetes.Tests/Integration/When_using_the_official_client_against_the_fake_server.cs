using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Integration;

/// <summary>The official client, with MFlow's handler, speaks to the fake API server as to a real one.</summary>
public sealed class When_using_the_official_client_against_the_fake_server : FakeServerTest
{
    [Fact]
    public async Task Should_create_read_list_patch_and_delete_a_job()
    {
        var created = await Api.CreateJobAsync(NewJob("build-1"));
        await Api.CreateJobAsync(NewJob("build-2", @namespace: "other-team"));
        await Api.CreateJobAsync(NewJob("unrelated", run: "run-2"));

        var read = await Api.ReadJobAsync(Namespace, "build-1");
        var inNamespace = await Api.ListJobsAsync(Namespace, "mflow.io/run=run-1");
        var everywhere = await Client.BatchV1.ListJobForAllNamespacesAsync(labelSelector: "mflow.io/run=run-1");
        var patched = await Client.BatchV1.PatchNamespacedJobAsync(
            new V1Patch("""{"metadata":{"labels":{"mflow.io/state":"seen","mflow.io/run":null}}}""", V1Patch.PatchType.MergePatch), "build-1", Namespace);
        await Api.DeleteJobAsync(Namespace, "build-1");
        await Server.WaitForDeletionAsync("jobs", Namespace, "build-1");

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal(["build-1"], inNamespace.Items.Select(j => j.Metadata.Name));
        Assert.Equal(["build-2", "build-1"], everywhere.Items.Select(j => j.Metadata.Name).OrderByDescending(n => n));
        Assert.Equal("seen", patched.Metadata.Labels["mflow.io/state"]);
        Assert.False(patched.Metadata.Labels.ContainsKey("mflow.io/run"));
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => Api.ReadJobAsync(Namespace, "build-1"));
        Assert.True(gone.Is(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Should_ask_for_strict_field_validation_on_every_write()
    {
        await Api.CreateJobAsync(NewJob("build-1"));
        await Api.CreateSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "creds", NamespaceProperty = Namespace }, StringData = new Dictionary<string, string> { ["token"] = "t" } });
        await Client.BatchV1.PatchNamespacedJobAsync(new V1Patch("""{"metadata":{"labels":{"mflow.io/state":"seen"}}}""", V1Patch.PatchType.MergePatch), "build-1", Namespace);
        await Api.ReadJobAsync(Namespace, "build-1");

        var writes = Server.Requests.Where(r => r.Method is "POST" or "PUT" or "PATCH").ToList();

        Assert.Equal(3, writes.Count);
        Assert.All(writes, write => Assert.Contains("fieldValidation=Strict", write.PathAndQuery, StringComparison.Ordinal));
        Assert.All(writes, write => Assert.Equal(write.Method == "POST" ? 201 : 200, write.StatusCode));
    }

    [Fact]
    public async Task Should_refuse_a_misspelled_field_instead_of_dropping_it()
    {
        await Api.CreateJobAsync(NewJob("build-1"));

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.PatchNamespacedJobAsync(
            new V1Patch("""{"metadata":{"labelss":{"mflow.io/state":"seen"}}}""", V1Patch.PatchType.MergePatch), "build-1", Namespace));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode());
        Assert.Equal("strict decoding error: unknown field \"metadata.labelss\"", Status(ex).Message);
    }

    [Fact]
    public async Task Should_answer_AlreadyExists_for_a_second_create_of_the_same_name()
    {
        await Api.CreateJobAsync(NewJob("build-1"));

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Api.CreateJobAsync(NewJob("build-1")));

        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode());
        Assert.Equal("AlreadyExists", Status(ex).Reason);
        Assert.Contains("already exists", ex.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_answer_Invalid_with_a_cause_per_bad_field()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Api.CreateJobAsync(NewJob("Bad_Name", restartPolicy: "Always")));

        var fields = Status(ex).Details.Causes.Select(c => c.Field).ToList();
        Assert.Contains("metadata.name", fields);
        Assert.Contains("spec.template.spec.restartPolicy", fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.StatusCode());
    }

    [Fact]
    public async Task Should_watch_a_job_from_creation_to_completion()
    {
        var created = await Api.CreateJobAsync(NewJob("build-1"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<V1Job>();

        var watching = Task.Run(async () =>
        {
            await foreach (var (type, job) in Api.WatchJobsAsync(Namespace, "mflow.io/run=run-1", created.Metadata.ResourceVersion, TimeSpan.FromMinutes(1), cts.Token))
            {
                if (type == WatchEventType.Bookmark)
                    continue;
                lock (seen)
                    seen.Add(job);
                if (job.Status?.Conditions?.Any(c => c is { Type: "Complete", Status: "True" }) == true)
                    return;
            }
        });

        await Server.SetPodRunningAsync(Namespace, "build-1");
        await Server.CompletePodAsync(Namespace, "build-1", exitCode: 0, log: "done\n");
        await watching.WaitAsync(cts.Token);

        Assert.Contains(seen, j => j.Status?.Ready == 1);
        // As Kubernetes 1.31+ writes it: SuccessCriteriaMet with the pod counted, then Complete in a later event.
        Assert.Equal(["SuccessCriteriaMet"], seen[^2].Status.Conditions.Select(c => c.Type));
        Assert.Equal(1, seen[^2].Status.Succeeded);
        Assert.Equal(["SuccessCriteriaMet", "Complete"], seen[^1].Status.Conditions.Select(c => c.Type));
        Assert.NotNull(seen[^1].Status.CompletionTime);
    }

    [Fact]
    public async Task Should_see_a_job_fail_when_its_deadline_passes()
    {
        await Api.CreateJobAsync(NewJob("build-1"));
        await Server.WaitForControllersAsync();

        await Server.ExceedJobDeadlineAsync(Namespace, "build-1");

        var job = await Api.ReadJobAsync(Namespace, "build-1");
        Assert.Contains(job.Status.Conditions, c => c is { Type: "Failed", Status: "True", Reason: "DeadlineExceeded" });
    }

    [Fact]
    public async Task Should_read_the_log_and_termination_message_of_a_finished_pod()
    {
        await Api.CreateJobAsync(NewJob("build-1"));
        await Server.WaitForControllersAsync();
        await Server.CompletePodAsync(Namespace, "build-1", exitCode: 3, log: "step 1\nstep 2\nboom\n", terminationMessage: "compile failed");

        var pods = await Api.ListPodsAsync(Namespace, "job-name=build-1");
        var pod = Assert.Single(pods.Items);
        var full = await Api.ReadPodLogAsync(Namespace, pod.Metadata.Name, null, tailLines: 100, limitBytes: 1024);
        var tail = await Api.ReadPodLogAsync(Namespace, pod.Metadata.Name, "main", tailLines: 1, limitBytes: 1024);
        var read = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, Namespace);

        Assert.Equal("step 1\nstep 2\nboom\n", full);
        Assert.Equal("boom\n", tail);
        var terminated = read.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal((3, "compile failed"), (terminated.ExitCode, terminated.Message));
    }

    [Fact]
    public async Task Should_create_read_and_delete_secrets_and_config_maps()
    {
        await Api.CreateSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "git-ssh", NamespaceProperty = Namespace },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["id_ed25519"] = Encoding.UTF8.GetBytes("-----BEGIN KEY-----") },
            StringData = new Dictionary<string, string> { ["known_hosts"] = "github.com ssh-ed25519 AAAA" },
        });
        await Api.CreateConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "params", NamespaceProperty = Namespace }, Data = new Dictionary<string, string> { ["a"] = "1" } });

        var secret = await Client.CoreV1.ReadNamespacedSecretAsync("git-ssh", Namespace);
        var secrets = await Client.CoreV1.ListNamespacedSecretAsync(Namespace);
        var configMap = await Client.CoreV1.ReadNamespacedConfigMapAsync("params", Namespace);
        await Client.CoreV1.DeleteNamespacedSecretAsync("git-ssh", Namespace);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("params", Namespace);

        Assert.Equal("-----BEGIN KEY-----", Encoding.UTF8.GetString(secret.Data["id_ed25519"]));
        Assert.Equal("github.com ssh-ed25519 AAAA", Encoding.UTF8.GetString(secret.Data["known_hosts"]));
        Assert.Contains(secrets.Items, s => s.Metadata.Name == "git-ssh");
        Assert.Equal("1", configMap.Data["a"]);
        Assert.True((await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedSecretAsync("git-ssh", Namespace))).Is(HttpStatusCode.NotFound));
        Assert.True((await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedConfigMapAsync("params", Namespace))).Is(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Should_retry_through_injected_503s_and_honour_Retry_After()
    {
        await Api.CreateJobAsync(NewJob("build-1"));
        Server.ResetRequests();
        Server.InjectFaults(2, 503, pathContains: "/jobs/build-1");
        var job = await Api.ReadJobAsync(Namespace, "build-1");
        Server.InjectFaults(1, 429, retryAfter: TimeSpan.FromSeconds(1), pathContains: "/jobs");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var list = await Api.ListJobsAsync(Namespace, "mflow.io/run=run-1");

        Assert.Equal("build-1", job.Metadata.Name);
        Assert.Single(list.Items);
        Assert.Equal([503, 503, 200, 429, 200], Server.Requests.Select(r => r.StatusCode));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(0.9), $"Retry-After was not honoured ({stopwatch.Elapsed})");
    }

    [Fact]
    public async Task Should_be_refused_with_a_wrong_token()
    {
        using var api = CreateApi(Explicit("not-the-token", Server.CaCertificatePem));

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => api.ListJobsAsync(Namespace, "a=b"));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode());
        Assert.DoesNotContain("not-the-token", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", ex.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_authenticate_with_a_client_certificate_from_the_kubeconfig()
    {
        using var api = CreateApi(KubernetesConnections.FromYaml(Server.CreateKubeconfig(Namespace, useClientCertificate: true)));

        await api.CreateJobAsync(NewJob("build-1"));

        var create = Assert.Single(Server.Requests, r => r.Verb == "create");
        Assert.Equal(201, create.StatusCode);
        Assert.NotNull(create.User);
    }

    [Fact]
    public async Task Should_refuse_a_server_whose_certificate_is_not_from_the_pinned_ca()
    {
        using var api = CreateApi(Explicit(Server.Token, TestCertificates.CreateCa("someone-else").CertificatePem));

        await Assert.ThrowsAsync<HttpRequestException>(() => api.ListJobsAsync(Namespace, "a=b"));

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
        using var insecure = CreateApi(KubernetesConnections.FromYaml(yaml));
        using var unpinned = CreateApi(KubernetesConnections.FromYaml(yaml.Replace("insecure-skip-tls-verify: true", "insecure-skip-tls-verify: false", StringComparison.Ordinal)), maxAttempts: 1);

        var list = await insecure.ListJobsAsync(Namespace, "a=b");

        Assert.Empty(list.Items);
        Assert.Equal(Namespace, insecure.DefaultNamespace);
        await Assert.ThrowsAsync<HttpRequestException>(() => unpinned.ListJobsAsync(Namespace, "a=b"));
    }

    KubernetesClientConfiguration Explicit(string token, string caPem) => new()
    {
        Host = Server.BaseAddress.ToString(),
        AccessToken = token,
        SslCaCerts = [X509Certificate2.CreateFromPem(caPem)],
        Namespace = Namespace,
    };

    static V1Status Status(HttpOperationException ex) => KubernetesJson.Deserialize<V1Status>(ex.Response.Content);
}
