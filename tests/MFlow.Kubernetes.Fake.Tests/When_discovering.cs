using System.Net;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_discovering : ServerTest
{
    [Fact]
    public async Task Should_report_a_version()
    {
        var response = await Client.GetAsync("/version");

        Assert.Equal("v1.34.0", response.Json["gitVersion"]!.GetValue<string>());
        Assert.Equal("1", response.Json["major"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_list_the_served_groups_and_resources()
    {
        var core = await Client.GetAsync("/api");
        var groups = await Client.GetAsync("/apis");
        var batch = await Client.GetAsync("/apis/batch/v1");
        var v1 = await Client.GetAsync("/api/v1");

        Assert.Equal("v1", core.Json["versions"]![0]!.GetValue<string>());
        Assert.Equal(["batch", "coordination.k8s.io"], groups.Json["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()));
        Assert.Equal("jobs", batch.Json["resources"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(["pods", "pods/log", "secrets", "configmaps"], v1.Json["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_answer_404_Status_for_unknown_paths_and_resources()
    {
        var unknownPath = await Client.GetAsync("/nothing/here");
        var unknownResource = await Client.GetAsync("/api/v1/namespaces/default/services");

        Assert.Equal(HttpStatusCode.NotFound, unknownPath.Status);
        Assert.Equal("the server could not find the requested resource", unknownPath.Json["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, unknownResource.Status);
    }
}
