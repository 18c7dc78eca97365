using System.Text.Json.Nodes;
using MFlow.IntegrationTests.Support;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_a_job_is_published_during_a_run(DefinitionsCluster cluster)
{
    static string Relay(string ns, string version, string tag) => $$"""
        name: relay
        namespace: {{ns}}
        domain: versions
        version: {{version}}
        kind: build
        params:
          - { name: TAG, usage: template, default: {{tag}} }
          - { name: MODE, default: {{version}}-default }
        template:
          container: { image: "registry.example.com/relay:$(params.TAG)", command: [relay], args: ["--version={{version}}"] }
        """;

    [Fact]
    public async Task Should_run_its_later_stages_on_the_version_it_started_with()
    {
        var ns = DefinitionsCluster.Unique("versions");
        var latest = $"relay@{ns}.versions:latest";
        var v1 = await cluster.CreateJobAsync(Relay(ns, "v1", "one"));
        object Pipeline() => new
        {
            name = DefinitionsCluster.Unique("relay-run"),
            stages = new[]
            {
                new { name = "first", tasks = new[] { new { name = "a", job = latest } } },
                new { name = "second", tasks = new[] { new { name = "b", job = latest } } },
            },
        };

        var runId = await cluster.StartRunAsync(Pipeline());
        var a = await cluster.WaitForTaskJobAsync(runId, "a");
        AssertRuns(a, "registry.example.com/relay:one", "--version=v1", "v1-default");

        // v2 is published (and v1 deprecated) while the run's first stage runs; the second stage is
        // dispatched afterwards.
        await cluster.CreateJobAsync(Relay(ns, "v2", "two"));
        using (var deprecated = await cluster.Admin.PostAsync($"/api/v1/jobs/{v1}/deprecate?reason=v2%20is%20out", null))
            Assert.True(deprecated.IsSuccessStatusCode, $"deprecate answered {(int)deprecated.StatusCode}");
        await cluster.CompleteAsync(a);
        var b = await cluster.WaitForTaskJobAsync(runId, "b");
        AssertRuns(b, "registry.example.com/relay:one", "--version=v1", "v1-default");
        Assert.Equal($"relay@{ns}.versions:v1", b["metadata"]!["annotations"]!["mflow.dev/job"]!.GetValue<string>());

        await cluster.CompleteAsync(b);
        var run = await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the run ends");
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal([$"relay@{ns}.versions:v1", $"relay@{ns}.versions:v1"], run.Stages.SelectMany(s => s.Tasks).Select(t => t.Job));

        // A run started now gets v2.
        var later = await cluster.StartRunAsync(Pipeline());
        var laterA = await cluster.WaitForTaskJobAsync(later, "a");
        AssertRuns(laterA, "registry.example.com/relay:two", "--version=v2", "v2-default");
        Assert.Equal($"relay@{ns}.versions:v2", (await cluster.GetRunAsync(later)).Run.Task("a").Job);
        await cluster.CompleteAsync(laterA);
        await cluster.CompleteAsync(await cluster.WaitForTaskJobAsync(later, "b"));
        await cluster.WaitForRunAsync(later, r => Runs.IsFinal(r.State), "the later run ends");
    }

    static void AssertRuns(JsonObject job, string image, string arg, string mode)
    {
        var main = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(image, main["image"]!.GetValue<string>());
        Assert.Equal([arg], main["args"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(mode, When_params_are_checked_at_submission.Env(job)["MODE"]);
    }
}
