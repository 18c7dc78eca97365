using System.Text.Json.Nodes;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_a_template_value_looks_like_syntax(DefinitionsCluster cluster)
{
    // Each line would mean something to a YAML, Helm/Go template, shell or MFlow substitution that
    // re-parsed the value: a quote closing the string and a key at pod level, template actions,
    // variables, another param's reference, and an anchor with its alias.
    const string Payload = "x\"\n  hostNetwork: true\n{{ .Values }} {{- toYaml . }}\n${HOME} $(params.OTHER)\nanchor: &a [1, 2]\nalias: *a\n- *a";

    [Fact]
    public async Task Should_fill_the_value_verbatim_into_its_one_string_leaving_the_job_structure_unchanged()
    {
        var ns = DefinitionsCluster.Unique("inject");
        await cluster.CreateJobAsync($$"""
            name: echo-back
            namespace: {{ns}}
            domain: templates
            version: v1
            kind: build
            params:
              - { name: MESSAGE, usage: template, required: true }
              - { name: OTHER, usage: template, default: other-value }
            template:
              container:
                image: "busybox:1.36"
                command: [printf, "%s\n"]
                args: ["--message=$(params.MESSAGE)"]
                env: { OTHER_TEXT: "$(params.OTHER)" }
            """);

        var job = $"echo-back@{ns}.templates:v1";
        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("inject-run"),
            stages = new[]
            {
                new
                {
                    name = "echo",
                    tasks = new[]
                    {
                        new { name = "plain", job, @params = new { MESSAGE = "hello" } },
                        new { name = "hostile", job, @params = new { MESSAGE = Payload } },
                    },
                },
            },
        });
        var plain = await cluster.WaitForTaskJobAsync(runId, "plain");
        var hostile = await cluster.WaitForTaskJobAsync(runId, "hostile");

        var main = hostile["spec"]!["template"]!["spec"]!["containers"]![0]!;
        // In the manifest the value's '$' are doubled, so the kubelet's $(VAR) expansion hands the
        // program exactly the value (the $(params.OTHER) in it stays text, it is not another param).
        var args = main["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(["--message=" + ContainerVariables.Escape(Payload)], args);
        Assert.Equal("--message=" + Payload, ContainerVariables.Expand(args[0], new Dictionary<string, string> { ["HOME"] = "/root", ["params.OTHER"] = "expanded" }));
        Assert.Equal(["printf", "%s\n"], main["command"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("other-value", When_params_are_checked_at_submission.Env(hostile)["OTHER_TEXT"]);

        // The value is in exactly one string of the Job, and nowhere became structure.
        Assert.Equal(["--message=" + ContainerVariables.Escape(Payload)], Strings(hostile).Where(s => s.Contains("hostNetwork", StringComparison.Ordinal)));
        Assert.DoesNotContain(Paths(hostile), path => path.Contains("hostNetwork", StringComparison.Ordinal) || path.Contains("alias", StringComparison.Ordinal));
        // Same shape as the Job of a plain value (status left out: the controller fills it in its own time).
        foreach (var part in new[] { "spec", "metadata.labels", "metadata.annotations" })
            Assert.Equal(Paths(Part(plain, part)), Paths(Part(hostile, part)));

        await cluster.CompleteAsync(plain);
        await cluster.CompleteAsync(hostile);
        var run = await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the run ends");
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
    }

    /// <summary>Every property path of the object (array items as [i]), values left out: the object's shape.</summary>
    static IReadOnlyList<string> Paths(JsonNode? node, string path = "")
    {
        var paths = new List<string> { path };
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                    paths.AddRange(Paths(child, $"{path}.{name}"));
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    paths.AddRange(Paths(array[i], $"{path}[{i}]"));
                break;
        }

        return paths.Order(StringComparer.Ordinal).ToList();
    }

    static JsonNode? Part(JsonObject job, string path) => path.Split('.').Aggregate((JsonNode?)job, (node, name) => node?[name]);

    /// <summary>Every string value in the object.</summary>
    static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Strings(p.Value)),
        JsonArray array => array.SelectMany(Strings),
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        _ => [],
    };
}
