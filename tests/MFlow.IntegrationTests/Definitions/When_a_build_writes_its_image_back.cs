using System.Net;
using System.Text.Json.Nodes;
using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Runs;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_a_build_writes_its_image_back(DefinitionsCluster cluster)
{
    [Fact]
    public async Task Should_deploy_the_image_the_build_task_wrote_with_its_own_token()
    {
        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("release"),
            stages = new object[]
            {
                new { name = "build", tasks = new[] { new { name = "build", job = "kaniko@mflow.builtin:latest", @params = new { GIT_URL = "https://git.example.com/shop.git", IMAGE = "registry.example.com/shop:1.4.0" } } } },
                new { name = "deploy", tasks = new[] { new { name = "deploy", job = "kubectl@mflow.builtin:latest", @params = new { WORKLOAD_NAME = "shop", IMAGE = "$(tasks.build.outputs.IMAGE)" } } } },
            },
        });

        // The test is the running build task: it reads its token from its Secret, as the container's
        // _JOB_TASK_UPDATE_TOKEN would give it, and writes its image back.
        var build = await cluster.WaitForTaskJobAsync(runId, "build");
        var tokenVariable = Containers(build).Single(c => c["name"]!.GetValue<string>() == "kaniko")["env"]!.AsArray()
            .Single(e => e!["name"]!.GetValue<string>() == "_JOB_TASK_UPDATE_TOKEN")!;
        Assert.Null(tokenVariable["value"]);
        Assert.Equal(DefinitionsCluster.JobName(build), tokenVariable["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>());
        Assert.Equal("update-token", tokenVariable["valueFrom"]!["secretKeyRef"]!["key"]!.GetValue<string>());
        var token = cluster.UpdateTokenOf(build);

        var image = "registry.example.com/shop@sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(runId.ToByteArray()));
        using (var written = await cluster.WriteOutputsAsync(RunPlanner.TaskId(runId, "build"), token, new { values = new { IMAGE = image }, summary = "Built **shop**." }))
            Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        await cluster.CompleteAsync(build);

        var deploy = await cluster.WaitForTaskJobAsync(runId, "deploy");
        var setImage = Containers(deploy).Single(c => c["name"]!.GetValue<string>() == "set-image");
        Assert.Equal(["set", "image", "deployment/shop", $"shop={image}"], setImage["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.All(Containers(deploy), container =>
        {
            var env = container["env"]!.AsArray().Where(e => e!["value"] is not null).ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
            Assert.Equal(image, env["IMAGE"]);
            Assert.Equal(image, env["TASKS_BUILD_OUTPUTS_IMAGE"]);
        });

        await cluster.CompleteAsync(deploy);
        var run = await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the run ends");
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal(image, run.Task("build").Outputs["IMAGE"]);
        Assert.Equal("Built **shop**.", run.Task("build").Summary);
        Assert.Equal(image, run.Task("deploy").Outputs["IMAGE"]);
        Assert.Equal("deployment/shop", run.Task("deploy").Outputs["WORKLOAD"]);

        var (json, _) = await cluster.GetRunAsync(runId);
        Assert.DoesNotContain(token, json);
        // The events subscribers get do carry what is public: the deployed image.
        Assert.Contains(await cluster.Events.DrainAsync(), e => System.Text.Encoding.UTF8.GetString(e.Body).Contains(image, StringComparison.Ordinal));
        await cluster.AssertNowhereInLogsOrEventsAsync("the build task's update token", token);
    }

    /// <summary>A Job's init containers and containers, in order.</summary>
    internal static IReadOnlyList<JsonObject> Containers(JsonObject job)
    {
        var pod = job["spec"]!["template"]!["spec"]!;
        return (pod["initContainers"]?.AsArray() ?? []).Concat(pod["containers"]!.AsArray()).Select(c => c!.AsObject()).ToList();
    }
}
