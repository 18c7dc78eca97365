using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_decoding_against_the_schema : ServerTest
{
    private const string Leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

    [Fact]
    public async Task Should_refuse_a_misspelled_field_under_strict_field_validation_as_kube_apiserver_words_it()
    {
        var job = Manifests.Job("build-1", j => j.Container()["imagePullPolicyy"] = "Always");

        var response = await Client.PostAsync($"{Manifests.JobsPath}?fieldValidation=Strict", job);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", response.Json["reason"]!.GetValue<string>());
        Assert.Equal(
            "Job in version \"v1\" cannot be handled as a Job: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\"",
            response.Json["message"]!.GetValue<string>());
        Assert.Null(Server.GetObject("jobs", "default", "build-1"));
    }

    [Fact]
    public async Task Should_drop_an_unknown_field_with_a_warning_by_default()
    {
        var job = Manifests.Job("build-1", j => j.Container()["imagePullPolicyy"] = "Always");

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(["299 - \"unknown field \\\"spec.template.spec.containers[0].imagePullPolicyy\\\"\""], response.Headers.GetValues("Warning"));
        Assert.Null(response.Json.Container()["imagePullPolicyy"]);
        Assert.Null(Server.GetObject("jobs", "default", "build-1")!.Container()["imagePullPolicyy"]);
    }

    [Fact]
    public async Task Should_drop_an_unknown_field_silently_when_asked_to_ignore_it()
    {
        var job = Manifests.Job("build-1", j => j["spec"]!["parallelismm"] = 2);

        var response = await Client.PostAsync($"{Manifests.JobsPath}?fieldValidation=Ignore", job);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.False(response.Headers.Contains("Warning"));
        Assert.Null(response.Json["spec"]!["parallelismm"]);
    }

    [Fact]
    public async Task Should_list_every_unknown_field_in_one_strict_error()
    {
        var job = Manifests.Job("build-1", j =>
        {
            j["spec"]!["parallelismm"] = 2;
            j["metadata"]!["lables"] = new JsonObject();
        });

        var response = await Client.PostAsync($"{Manifests.JobsPath}?fieldValidation=Strict", job);

        Assert.Equal(
            "Job in version \"v1\" cannot be handled as a Job: strict decoding error: unknown field \"metadata.lables\", unknown field \"spec.parallelismm\"",
            response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_an_unknown_field_in_a_strict_update_and_patch()
    {
        var created = (await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"))).Json;
        created["spec"]!["suspendd"] = true;

        var update = await Client.PutAsync($"{Manifests.JobsPath}/build-1?fieldValidation=Strict", created);
        var patch = await Client.PatchAsync($"{Manifests.JobsPath}/build-1?fieldValidation=Strict", new JsonObject { ["spec"] = new JsonObject { ["suspendd"] = true } });

        Assert.Equal(HttpStatusCode.BadRequest, update.Status);
        Assert.Equal("Job in version \"v1\" cannot be handled as a Job: strict decoding error: unknown field \"spec.suspendd\"", update.Json["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, patch.Status);
        Assert.Equal("strict decoding error: unknown field \"spec.suspendd\"", patch.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_422_for_an_unsupported_field_validation()
    {
        var response = await Client.PostAsync($"{Manifests.JobsPath}?fieldValidation=strict", Manifests.Job("build-1"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal(
            "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"",
            response.Json["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("containers", "\"main\"", "json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container")]
    [InlineData("activeDeadlineSeconds", "1.5", "json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.template.spec.activeDeadlineSeconds of type int64")]
    [InlineData("hostNetwork", "\"yes\"", "json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.hostNetwork of type bool")]
    [InlineData("nodeSelector", "[]", "json: cannot unmarshal array into Go struct field PodSpec.spec.template.spec.nodeSelector of type map[string]string")]
    public async Task Should_answer_400_for_a_wrong_type_anywhere_in_the_body(string field, string json, string message)
    {
        var job = Manifests.Job("build-1", j => j.PodSpec()[field] = JsonNode.Parse(json));

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal($"Job in version \"v1\" cannot be handled as a Job: {message}", response.Json["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05Z", "parsing time \"2026-01-02T03:04:05Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" as \".000000\"")]
    [InlineData("2026-01-02T03:04:05.123Z", "parsing time \"2026-01-02T03:04:05.123Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \".123Z\" as \".000000\"")]
    [InlineData("2026-01-02T03:04:05.1234567Z", "parsing time \"2026-01-02T03:04:05.1234567Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"7Z\" as \"Z07:00\"")]
    [InlineData("2026-01-02 03:04:05.123456Z", "parsing time \"2026-01-02 03:04:05.123456Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \" 03:04:05.123456Z\" as \"T\"")]
    public async Task Should_refuse_a_lease_time_that_is_not_a_micro_time(string renewTime, string message)
    {
        var response = await Client.PostAsync(Leases, Lease(renewTime));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal($"Lease in version \"v1\" cannot be handled as a Lease: {message}", response.Json["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05.123456Z")]
    [InlineData("2026-01-02T03:04:05.000000+02:00")]
    public async Task Should_accept_a_lease_time_with_six_fractional_digits(string renewTime)
    {
        var response = await Client.PostAsync(Leases, Lease(renewTime));

        Assert.Equal(HttpStatusCode.Created, response.Status);
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05Z", null)]
    [InlineData("2026-01-02T03:04:05.5+01:00", null)]
    [InlineData("2026-01-02", "parsing time \"2026-01-02\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\"")]
    [InlineData("2026-13-02T03:04:05Z", "parsing time \"2026-13-02T03:04:05Z\": month out of range")]
    public async Task Should_read_a_time_field_as_rfc3339(string time, string? message)
    {
        var job = Manifests.Job("build-1", j => j["metadata"]!["deletionTimestamp"] = time);

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        if (message is null)
        {
            Assert.Equal(HttpStatusCode.Created, response.Status);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal($"Job in version \"v1\" cannot be handled as a Job: {message}", response.Json["message"]!.GetValue<string>());
        }
    }

    private static JsonObject Lease(string renewTime) => new()
    {
        ["apiVersion"] = "coordination.k8s.io/v1",
        ["kind"] = "Lease",
        ["metadata"] = new JsonObject { ["name"] = "tracker" },
        ["spec"] = new JsonObject { ["holderIdentity"] = "pod-a", ["leaseDurationSeconds"] = 15, ["renewTime"] = renewTime },
    };
}
