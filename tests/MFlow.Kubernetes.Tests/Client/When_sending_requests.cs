using System.Net;
using System.Text.Json;
using MFlow.Kubernetes.Models;
using MFlow.Kubernetes.Naming;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Client;

public sealed class When_sending_requests
{
    private const string JobJson = """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"build-1","namespace":"ns"}}""";

    private readonly StubHandler _stub = new(_ => StubHandler.Json(HttpStatusCode.OK, JobJson));

    [Fact]
    public async Task Should_post_a_new_job_as_json_with_its_api_version_and_kind()
    {
        using var client = TestClients.Create(_stub);

        await client.CreateJobAsync("ns", new Job(new ObjectMeta { Name = "build-1" }, new JobSpec()));

        var request = Assert.Single(_stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://k8s.test:6443/apis/batch/v1/namespaces/ns/jobs", request.Uri.ToString());
        Assert.Equal("application/json", request.ContentType);
        using var body = JsonDocument.Parse(request.Body!);
        Assert.Equal("batch/v1", body.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("Job", body.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Should_authenticate_and_identify_itself_on_every_request()
    {
        using var client = TestClients.Create(_stub);

        await client.GetJobAsync("ns", "build-1");

        var request = Assert.Single(_stub.Requests);
        Assert.Equal($"Bearer {TestClients.Token}", request.Authorization);
        Assert.StartsWith("mflow/", request.UserAgent, StringComparison.Ordinal);
        Assert.Equal("application/json", request.Accept);
    }

    [Fact]
    public async Task Should_list_all_namespaces_when_none_is_given_and_escape_selectors()
    {
        var handler = new StubHandler(_ => StubHandler.Json(HttpStatusCode.OK, """{"metadata":{"resourceVersion":"7"},"items":[]}"""));
        using var listing = TestClients.Create(handler);
        var selector = new LabelSelectorBuilder().Equal("mflow.io/run", "r1").In("kind", "build", "vm").Build();

        var all = await listing.ListJobsAsync(null, new ListOptions { LabelSelector = selector, FieldSelector = "status.successful=1", Limit = 50 });
        await listing.ListPodsAsync("team-a");

        Assert.Equal("7", all.Metadata.ResourceVersion);
        Assert.Equal(
            "/apis/batch/v1/jobs?labelSelector=mflow.io%2Frun%3Dr1%2Ckind%20in%20%28build%2Cvm%29&fieldSelector=status.successful%3D1&limit=50",
            handler.Requests[0].PathAndQuery);
        Assert.Equal("/api/v1/namespaces/team-a/pods", handler.Requests[1].PathAndQuery);
    }

    [Theory]
    [InlineData(PropagationPolicy.Background, "Background")]
    [InlineData(PropagationPolicy.Foreground, "Foreground")]
    [InlineData(PropagationPolicy.Orphan, "Orphan")]
    public async Task Should_delete_with_the_propagation_policy_in_body_and_query(PropagationPolicy policy, string expected)
    {
        using var client = TestClients.Create(_stub);

        await client.DeleteJobAsync("ns", "build-1", policy);

        var request = Assert.Single(_stub.Requests);
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal($"/apis/batch/v1/namespaces/ns/jobs/build-1?propagationPolicy={expected}", request.PathAndQuery);
        using var body = JsonDocument.Parse(request.Body!);
        Assert.Equal("DeleteOptions", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal(expected, body.RootElement.GetProperty("propagationPolicy").GetString());
    }

    [Fact]
    public async Task Should_patch_labels_and_annotations_as_a_merge_patch()
    {
        using var client = TestClients.Create(_stub);

        await client.PatchJobMetadataAsync(
            "ns",
            "build-1",
            new Dictionary<string, string?> { ["mflow.io/state"] = "cancelled", ["stale"] = null },
            new Dictionary<string, string?> { ["mflow.io/reason"] = "user asked" });

        var request = Assert.Single(_stub.Requests);
        Assert.Equal(HttpMethod.Patch, request.Method);
        Assert.Equal("application/merge-patch+json", request.ContentType);
        Assert.Equal(
            """{"metadata":{"labels":{"mflow.io/state":"cancelled","stale":null},"annotations":{"mflow.io/reason":"user asked"}}}""",
            request.Body);
    }

    [Fact]
    public async Task Should_refuse_a_label_patch_that_breaks_the_rules_before_sending()
    {
        using var client = TestClients.Create(_stub);

        await Assert.ThrowsAsync<ArgumentException>(() => client.PatchJobMetadataAsync("ns", "build-1", new Dictionary<string, string?> { ["ok"] = "not ok!" }));
        Assert.Empty(_stub.Requests);
    }

    [Fact]
    public async Task Should_read_a_pod_log_with_its_options()
    {
        var stub = new StubHandler(_ => StubHandler.Text(HttpStatusCode.OK, "line 1\nline 2\n"));
        using var client = TestClients.Create(stub);

        var log = await client.ReadPodLogAsync("ns", "build-1-abcde", new PodLogOptions { Container = "kaniko", TailLines = 100, LimitBytes = 65536, Previous = true });

        Assert.Equal("line 1\nline 2\n", log);
        Assert.Equal("/api/v1/namespaces/ns/pods/build-1-abcde/log?container=kaniko&tailLines=100&limitBytes=65536&previous=true", stub.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task Should_address_secrets_and_config_maps_in_the_core_group()
    {
        var stub = new StubHandler(r => StubHandler.Json(HttpStatusCode.OK, r.Uri.AbsolutePath.Contains("secrets", StringComparison.Ordinal)
            ? """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s"},"data":{"k":"aGk="}}"""
            : """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"k":"v"}}"""));
        using var client = TestClients.Create(stub);

        var secret = await client.GetSecretAsync("ns", "s");
        await client.DeleteSecretAsync("ns", "s");
        var configMap = await client.GetConfigMapAsync("ns", "c");
        await client.ListConfigMapsAsync("ns");

        Assert.Equal("hi"u8.ToArray(), secret.Data!["k"]);
        Assert.Equal("v", configMap.Data!["k"]);
        Assert.Equal(
            ["GET /api/v1/namespaces/ns/secrets/s", "DELETE /api/v1/namespaces/ns/secrets/s?propagationPolicy=Background", "GET /api/v1/namespaces/ns/configmaps/c", "GET /api/v1/namespaces/ns/configmaps"],
            stub.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
    }

    [Fact]
    public async Task Should_escape_names_in_paths()
    {
        using var client = TestClients.Create(_stub);

        await client.GetJobAsync("ns", "a/b");

        Assert.Equal("/apis/batch/v1/namespaces/ns/jobs/a%2Fb", _stub.Requests[0].Uri.AbsolutePath);
    }

    [Fact]
    public async Task Should_refuse_an_object_whose_namespace_differs_from_the_target()
    {
        using var client = TestClients.Create(_stub);

        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateJobAsync("ns", new Job { Metadata = new() { Name = "x", Namespace = "other" } }));
        Assert.Empty(_stub.Requests);
    }

    [Fact]
    public async Task Should_keep_a_path_prefix_of_the_server_address()
    {
        using var client = TestClients.Create(_stub, connection: MFlow.Kubernetes.Configuration.KubernetesConnection.ForServer(new Uri("https://rancher.example/k8s/clusters/c-1/"), "t"));

        await client.GetJobAsync("ns", "build-1");

        Assert.Equal("/k8s/clusters/c-1/apis/batch/v1/namespaces/ns/jobs/build-1", _stub.Requests[0].Uri.AbsolutePath);
    }
}
