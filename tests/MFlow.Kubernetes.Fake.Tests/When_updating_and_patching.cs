using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_updating_and_patching : ServerTest
{
    [Fact]
    public async Task Should_answer_409_Conflict_for_a_stale_resourceVersion()
    {
        var stale = await CreateAndSettleAsync("build-1");
        await Client.PatchAsync($"{Manifests.JobsPath}/build-1", Labels("stage", "one"));
        stale["metadata"]!["labels"]!["stage"] = "two";

        var response = await Client.PutAsync($"{Manifests.JobsPath}/build-1", stale);

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Equal("Conflict", response.Json["reason"]!.GetValue<string>());
        Assert.Equal(
            "Operation cannot be fulfilled on jobs.batch \"build-1\": the object has been modified; please apply your changes to the latest version and try again",
            response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_update_with_the_current_resourceVersion_and_bump_it()
    {
        var current = await CreateAndSettleAsync("build-1");
        current["metadata"]!["labels"]!["stage"] = "two";
        current["spec"]!["backoffLimit"] = 2;

        var response = await Client.PutAsync($"{Manifests.JobsPath}/build-1", current);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("two", response.Json["metadata"]!["labels"]!["stage"]!.GetValue<string>());
        Assert.True(long.Parse(response.Json.ResourceVersion()) > long.Parse(current.ResourceVersion()));
        Assert.Equal(2, response.Json["metadata"]!["generation"]!.GetValue<int>());
        Assert.Equal(current.Uid(), response.Json.Uid());
    }

    [Fact]
    public async Task Should_keep_the_status_when_a_client_writes_the_main_resource()
    {
        var current = await CreateAndSettleAsync("build-1");
        current["status"] = new JsonObject { ["succeeded"] = 99 };

        var response = await Client.PutAsync($"{Manifests.JobsPath}/build-1", current);

        Assert.Equal(1, response.Json.StatusCount("active"));
        Assert.Null(response.Json.StatusCount("succeeded"));
    }

    [Fact]
    public async Task Should_refuse_to_change_the_pod_template()
    {
        var current = await CreateAndSettleAsync("build-1");
        current.Container()["image"] = "busybox:1.37";

        var response = await Client.PutAsync($"{Manifests.JobsPath}/build-1", current);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Contains(response.Causes, cause => cause.Field == "spec.template" && cause.Message.EndsWith("field is immutable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_merge_patch_labels_and_remove_with_null()
    {
        await CreateAndSettleAsync("build-1");

        var response = await Client.PatchAsync($"{Manifests.JobsPath}/build-1", new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["stage"] = "test", ["app"] = null } },
        });

        var labels = response.Json["metadata"]!["labels"]!.AsObject();
        Assert.Equal("test", labels["stage"]!.GetValue<string>());
        Assert.False(labels.ContainsKey("app"));
        Assert.Equal("run-1", labels["mflow.io/run"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_merge_a_strategic_patch_into_a_pods_containers_by_name_where_a_merge_patch_replaces_the_list()
    {
        await CreateAndSettleAsync("build-1");
        var pod = Server.GetJobPods("default", "build-1").Single().Name();
        var path = $"/api/v1/namespaces/default/pods/{pod}";
        var imageOnly = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["mflow.io/note"] = "hi" } },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "busybox:1.37" }) },
        };

        var strategic = await Client.PatchAsync(path, imageOnly, "application/strategic-merge-patch+json");
        var merge = await Client.PatchAsync(path, imageOnly.DeepClone(), "application/merge-patch+json");

        // Strategic: the container named main keeps its command and gets the new image.
        Assert.Equal(HttpStatusCode.OK, strategic.Status);
        var container = Assert.Single(strategic.Json["spec"]!["containers"]!.AsArray())!;
        Assert.Equal("busybox:1.37", container["image"]!.GetValue<string>());
        Assert.NotNull(container["command"]);
        Assert.Equal("hi", strategic.Json["metadata"]!["annotations"]!["mflow.io/note"]!.GetValue<string>());
        // JSON merge patch: the list is replaced wholesale, which drops the container's other fields: refused.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, merge.Status);
    }

    [Fact]
    public async Task Should_apply_a_json_patch_and_fail_a_failed_test_op()
    {
        await CreateAndSettleAsync("build-1");

        var applied = await Client.PatchAsync(
            $"{Manifests.JobsPath}/build-1",
            new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels/mflow.io~1stage", ["value"] = "deploy" }),
            "application/json-patch+json");
        var refused = await Client.PatchAsync(
            $"{Manifests.JobsPath}/build-1",
            new JsonArray(new JsonObject { ["op"] = "test", ["path"] = "/metadata/labels/app", ["value"] = "other" }),
            "application/json-patch+json");

        Assert.Equal("deploy", applied.Json["metadata"]!["labels"]!["mflow.io/stage"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
    }

    [Fact]
    public async Task Should_not_bump_the_resourceVersion_for_a_patch_that_changes_nothing()
    {
        var current = await CreateAndSettleAsync("build-1");

        var response = await Client.PatchAsync($"{Manifests.JobsPath}/build-1", Labels("app", "mflow"));

        Assert.Equal(current.ResourceVersion(), response.Json.ResourceVersion());
    }

    [Fact]
    public async Task Should_use_a_resourceVersion_in_a_patch_as_a_precondition()
    {
        await CreateAndSettleAsync("build-1");
        var patch = Labels("stage", "x");
        patch["metadata"]!["resourceVersion"] = "1";

        var response = await Client.PatchAsync($"{Manifests.JobsPath}/build-1", patch);

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
    }

    [Fact]
    public async Task Should_answer_415_for_server_side_apply_and_404_for_a_missing_object()
    {
        await CreateAndSettleAsync("build-1");

        var apply = await Client.PatchAsync($"{Manifests.JobsPath}/build-1", Labels("a", "b"), "application/apply-patch+yaml");
        var missing = await Client.PatchAsync($"{Manifests.JobsPath}/ghost", Labels("a", "b"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, apply.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("jobs.batch \"ghost\" not found", missing.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_validate_labels_on_patch()
    {
        await CreateAndSettleAsync("build-1");

        var response = await Client.PatchAsync($"{Manifests.JobsPath}/build-1", Labels("stage", "not valid"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal("metadata.labels", Assert.Single(response.Causes).Field);
    }

    private async Task<JsonObject> CreateAndSettleAsync(string name)
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job(name));
        await Server.WaitForControllersAsync();
        return (await Client.GetAsync($"{Manifests.JobsPath}/{name}")).Json;
    }

    private static JsonObject Labels(string key, string value) =>
        new() { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } };
}
