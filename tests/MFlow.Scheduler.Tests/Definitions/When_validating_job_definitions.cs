using System.Text.Json.Nodes;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Pipelines;
using MFlow.Testing;

namespace MFlow.Scheduler.Tests.Definitions;

public sealed class When_validating_job_definitions
{
    const string Valid = """
        name: greet
        namespace: mflow
        domain: examples
        version: v1
        kind: build
        params:
          - { name: WHO, usage: template, required: true }
        template:
          container: { image: "busybox:1.36", command: [echo, "$(params.WHO)"] }
        """;

    // Each: a change to the valid job (a YAML line replaced or added), the field, the message.
    public static TheoryData<string, string, string, string> Refusals => new()
    {
        { "version: v1", "version: latest", "version", "'latest' is reserved: 'latest' names the newest published version in a reference (in any case); a definition needs a version of its own." },
        { "version: v1", "version: LATEST", "version", "'LATEST' is reserved: 'latest' names the newest published version in a reference (in any case); a definition needs a version of its own." },
        { "name: greet", "name: Greet", "name", "'Greet' is not a valid name: lowercase letters, digits and '-' (a DNS-1123 label)." },
        { "kind: build", "kind: lambda", "kind", "Unknown job kind 'lambda': expected build, deploy or vm." },
        { "required: true }", "required: true, sensitive: true }", "template", "The template uses $(params.WHO), which is sensitive: it would show in the Job's manifest. Use it as an environment variable instead." },
        { "[echo, \"$(params.WHO)\"]", "[echo, \"$(params.WHOM)\"]", "template", "The template uses $(params.WHOM), which the job does not declare." },
        { "params:", "params:\n  - { name: _TRACE, usage: system, default: x }", "params._TRACE.default", "A system variable's value is injected by the runner; it has no default." },
        { "params:", "params:\n  - { name: _TRACE }", "params._TRACE.name", "Names starting with '_', and TRACEPARENT, are reserved for system variables (usage: system)." },
        { "params:", "params:\n  - { name: LOCKED, readOnly: true }", "params.LOCKED.default", "A read-only param needs a default: nothing else may set it." },
        { "params:", "params:\n  - { name: REGION, usage: runner }", "params.REGION.name", "A runner param is one of CLUSTER, KUBECONFIG, NAMESPACE." },
        { "params:", "params:\n  - { name: CHANNEL, type: enum }", "params.CHANNEL.options", "An enum needs its options." },
        { "params:", "params:\n  - { name: FLAG, type: boolean, default: yes }", "params.FLAG.default", "must be true or false, not 'yes'." },
        { "params:", "params:\n  - { name: PICK, type: urlOptions }", "params.PICK.optionsUrl", "A urlOptions param needs the absolute URL its options come from." },
        { "params:", "params:\n  - { name: X, usage: secret }", "params.X.usage", "Unknown usage 'secret': expected env, template, runner or system." },
        { "params:", "params:\n  - { name: WHO }", "params.WHO", "The param 'WHO' is declared twice." },
        { "kind: build", "kind: build\nrollback: { params: { NOPE: x } }", "rollback.params.NOPE", "'NOPE' is not one of the job's params." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Should_refuse_a_definition_naming_the_field(string find, string replace, string field, string message)
    {
        var yaml = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, yaml);

        var ex = Assert.Throws<PipelineValidationException>(() => DefinitionParsers.ParseJob(yaml));

        Assert.Equal([message], ex.Errors[field]);
    }

    [Fact]
    public void Should_accept_the_example_and_built_in_jobs()
    {
        var jobs = JobFiles.Read(Path.Combine(RepositoryPaths.Root, "examples", "jobs"));

        Assert.Equal(["ansible@mflow.builtin:v1", "greet@mflow.examples:v1", "kaniko@mflow.builtin:v1", "kubectl@mflow.builtin:v1"], jobs.Select(j => j.Name.ToString()).Order());
    }

    [Fact]
    public void Should_show_sensitive_defaults_and_rollback_values_masked()
    {
        var parsed = DefinitionParsers.ParseJob("""
            name: vault
            namespace: mflow
            domain: examples
            version: v1
            kind: deploy
            params:
              - { name: TOKEN, sensitive: true, default: s3cr3t-default }
              - { name: COLOUR, default: blue }
            rollback:
              params: { TOKEN: s3cr3t-rollback, COLOUR: grey }
            """);
        var stored = new StoredDefinition(Guid.NewGuid(), DefinitionTypes.Job, parsed.Name, parsed.Kind, DefinitionStages.Published, parsed.Labels,
            parsed.Document, DateTimeOffset.UtcNow, "admin", DateTimeOffset.UtcNow, "admin", null, null);

        var shown = DefinitionParsers.Shown(stored)!;

        Assert.DoesNotContain("s3cr3t", shown.ToJsonString());
        Assert.Equal("******", shown["params"]![0]!["default"]!.GetValue<string>());
        Assert.Equal("blue", shown["params"]![1]!["default"]!.GetValue<string>());
        Assert.Equal("******", shown["rollback"]!["params"]!["TOKEN"]!.GetValue<string>());
        Assert.Equal("grey", shown["rollback"]!["params"]!["COLOUR"]!.GetValue<string>());
        // Only what is shown is masked: the stored document keeps the values the runs need.
        Assert.Equal("s3cr3t-rollback", DefinitionParsers.Job(stored).Rollback!.Params!["TOKEN"]);
        Assert.IsType<JsonObject>(shown);
    }

    [Theory]
    [InlineData("kaniko@mflow.builtin:v1", "kaniko", "mflow", "builtin", "v1")]
    [InlineData("kaniko@mflow.builtin:latest", "kaniko", "mflow", "builtin", "latest")]
    [InlineData("kaniko@mflow.builtin", "kaniko", "mflow", "builtin", "latest")]
    [InlineData("my-job@team-a.ci:1.4.0-rc_1", "my-job", "team-a", "ci", "1.4.0-rc_1")]
    public void Should_read_a_unique_name_a_missing_version_meaning_latest(string text, string name, string @namespace, string domain, string version)
    {
        Assert.True(DefinitionName.TryParse(text, out var parsed));
        Assert.Equal(new DefinitionName(name, @namespace, domain, version), parsed);
        Assert.Equal(version == "latest", parsed.IsLatest);
    }

    [Theory]
    [InlineData("kaniko")]
    [InlineData("kaniko@mflow")]
    [InlineData("Kaniko@mflow.builtin:v1")]
    [InlineData("kaniko@mflow.builtin:")]
    [InlineData("kaniko@mflow.built.in:v1")]
    [InlineData("kaniko@mflow.builtin:v1 ")]
    public void Should_refuse_a_malformed_unique_name(string text)
    {
        Assert.False(DefinitionName.TryParse(text, out _));
    }
}
