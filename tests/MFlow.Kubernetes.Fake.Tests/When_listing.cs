using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_listing : ServerTest
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Create("build-a", "run-1", "build");
        await Create("test-a", "run-1", "test");
        await Create("build-b", "run-2", "build");
        await Create("other", null, null);
    }

    [Theory]
    [InlineData("mflow.io/run=run-1", "build-a,test-a")]
    [InlineData("mflow.io/run==run-1", "build-a,test-a")]
    [InlineData("mflow.io/run!=run-1", "build-b,other")]
    [InlineData("mflow.io/run in (run-1, run-2)", "build-a,build-b,test-a")]
    [InlineData("mflow.io/run notin (run-1)", "build-b,other")]
    [InlineData("mflow.io/stage", "build-a,build-b,test-a")]
    [InlineData("!mflow.io/stage", "other")]
    [InlineData("mflow.io/run=run-1,mflow.io/stage=build", "build-a")]
    [InlineData("mflow.io/run in (run-2),!missing", "build-b")]
    [InlineData("", "build-a,build-b,other,test-a")]
    public async Task Should_filter_with_label_selectors(string selector, string expected)
    {
        var response = await Client.GetAsync($"{Manifests.JobsPath}?labelSelector={Uri.EscapeDataString(selector)}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(expected, string.Join(',', Names(response)));
    }

    [Fact]
    public async Task Should_filter_by_name_with_a_field_selector()
    {
        var response = await Client.GetAsync($"{Manifests.JobsPath}?fieldSelector=metadata.name%3Dtest-a");

        Assert.Equal(["test-a"], Names(response));
    }

    [Fact]
    public async Task Should_answer_400_for_a_malformed_selector_or_an_unsupported_field()
    {
        var badLabels = await Client.GetAsync($"{Manifests.JobsPath}?labelSelector={Uri.EscapeDataString("a in (b")}");
        var badField = await Client.GetAsync($"{Manifests.JobsPath}?fieldSelector=spec.foo%3Dbar");

        Assert.Equal(HttpStatusCode.BadRequest, badLabels.Status);
        Assert.StartsWith("unable to parse requirement:", badLabels.Json["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, badField.Status);
        Assert.Equal("field label not supported: spec.foo", badField.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_return_a_typed_list_at_the_current_resourceVersion()
    {
        await Server.WaitForControllersAsync();

        var response = await Client.GetAsync(Manifests.JobsPath);

        var list = response.Json;
        Assert.Equal("JobList", list["kind"]!.GetValue<string>());
        Assert.Equal("batch/v1", list["apiVersion"]!.GetValue<string>());
        Assert.Equal(Server.ResourceVersion, list["metadata"]!["resourceVersion"]!.GetValue<string>());
        var item = list["items"]![0]!.AsObject();
        Assert.False(item.ContainsKey("kind"));
        Assert.NotNull(item["metadata"]!["uid"]);
    }

    [Fact]
    public async Task Should_page_with_limit_and_continue()
    {
        var first = await Client.GetAsync($"{Manifests.JobsPath}?limit=3");
        var token = first.Json["metadata"]!["continue"]!.GetValue<string>();
        var second = await Client.GetAsync($"{Manifests.JobsPath}?limit=3&continue={Uri.EscapeDataString(token)}");

        Assert.Equal(["build-a", "build-b", "other"], Names(first));
        Assert.Equal(1, first.Json["metadata"]!["remainingItemCount"]!.GetValue<int>());
        Assert.Equal(["test-a"], Names(second));
        Assert.Null(second.Json["metadata"]!["continue"]);
    }

    [Fact]
    public async Task Should_list_across_namespaces_and_per_namespace()
    {
        await Client.PostAsync("/apis/batch/v1/namespaces/ci/jobs", Manifests.Job("elsewhere"));

        var all = await Client.GetAsync("/apis/batch/v1/jobs");
        var ci = await Client.GetAsync("/apis/batch/v1/namespaces/ci/jobs");

        Assert.Equal(5, Names(all).Count);
        Assert.Equal(["elsewhere"], Names(ci));
    }

    [Fact]
    public async Task Should_list_a_jobs_pods_by_its_job_name_label()
    {
        await Server.WaitForControllersAsync();

        var response = await Client.GetAsync($"{Manifests.PodsPath}?labelSelector=batch.kubernetes.io/job-name%3Dtest-a");

        Assert.Equal("PodList", response.Json["kind"]!.GetValue<string>());
        Assert.StartsWith("test-a-", Assert.Single(Names(response)));
    }

    private async Task Create(string name, string? run, string? stage)
    {
        var job = Manifests.Job(name, j =>
        {
            var labels = new JsonObject { ["app"] = "mflow" };
            if (run is not null)
            {
                labels["mflow.io/run"] = run;
            }

            if (stage is not null)
            {
                labels["mflow.io/stage"] = stage;
            }

            j["metadata"]!["labels"] = labels;
        });
        var response = await Client.PostAsync(Manifests.JobsPath, job);
        Assert.Equal(HttpStatusCode.Created, response.Status);
    }

    private static List<string> Names(ApiResponse response) =>
        response.Json["items"]!.AsArray().Select(item => item!.AsObject().Name()).ToList();
}
