using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.Testing;

namespace MFlow.Scheduler.Tests.Pipelines;

public sealed class When_validating_pipelines
{
    // A valid pipeline with a hole: @TASK@ is replaced by each case's YAML for the first task (indented 6).
    const string Template = """
        name: hello
        stages:
          - name: build
            tasks:
        @TASK@
          - name: deploy
            tasks:
              - name: deploy-staging
                kind: deploy
                container: {image: bitnami/kubectl:1.31, command: [kubectl, version]}
        """;

    const string GoodTask = """
              - name: compile
                kind: build
                container: {image: alpine:3.20, command: [echo, hi]}
        """;

    [Fact]
    public void Should_accept_a_valid_pipeline()
    {
        PipelineValidator.Validate(Pipeline(GoodTask));
    }

    [Theory]
    [InlineData("hello.yaml")]
    [InlineData("fails.yaml")]
    [InlineData("gated-release.yaml")]
    public void Should_accept_the_example_pipelines(string file)
    {
        var path = Path.Combine(RepositoryPaths.Root, "examples", "pipelines", file);

        PipelineValidator.Validate(PipelineDocumentParser.ParsePipeline(File.ReadAllText(path)));
    }

    // Each case: the first task's YAML, the field named, and what the user reads about it.
    [Theory]
    [InlineData("      - kind: build\n        container: {image: a, command: [b]}", "stages[0].tasks[0].name", "A task needs a name.")]
    [InlineData("      - name: compile\n        container: {image: a, command: [b]}", "stages[0].tasks[0].kind", "A task needs a kind (build, deploy or vm), or a stored job to run ('job').")]
    [InlineData("      - name: compile\n        kind: docker\n        container: {image: a, command: [b]}", "stages[0].tasks[0].kind", "Unknown job kind 'docker': expected build, deploy or vm.")]
    [InlineData("      - name: compile\n        kind: build,vm\n        container: {image: a, command: [b]}", "stages[0].tasks[0].kind", "Unknown job kind 'build,vm': expected build, deploy or vm.")]
    [InlineData("      - name: compile\n        kind: \"1\"\n        container: {image: a, command: [b]}", "stages[0].tasks[0].kind", "Unknown job kind '1': expected build, deploy or vm.")]
    [InlineData("      - name: compile\n        kind: build\n        container: {command: [b]}", "stages[0].tasks[0].container.image", "A container needs an image.")]
    [InlineData("      - name: compile\n        kind: build\n        container: {image: \"alpine 3\", command: [b]}", "stages[0].tasks[0].container.image", "An image reference cannot contain whitespace or control characters.")]
    [InlineData("      - name: compile\n        kind: build\n        container: {image: a}", "stages[0].tasks[0].container.command", "A container needs a command (or args).")]
    [InlineData("      - name: compile\n        kind: build\n        container: {image: a, command: []}", "stages[0].tasks[0].container.command", "A container needs a command (or args).")]
    [InlineData("      - name: compile\n        kind: build\n        container: {name: Main, image: a, command: [b]}", "stages[0].tasks[0].container.name", "'Main' is not a valid container name (a DNS-1123 label).")]
    [InlineData("      - name: compile\n        kind: build\n        container: {image: a, command: [b], env: {_JOB_ID: x}}", "stages[0].tasks[0].container.env._JOB_ID", "'_JOB_ID' starts with '_', which is reserved for system variables.")]
    [InlineData("      - name: compile\n        kind: build\n        container: {image: a, command: [b], env: {TRACEPARENT: x}}", "stages[0].tasks[0].container.env.TRACEPARENT", "'TRACEPARENT' is set by MFlow to the task's place in its run's trace.")]
    [InlineData("      - name: compile\n        kind: build\n        container: {image: a, command: [b], env: {MY-VAR: x}}", "stages[0].tasks[0].container.env.MY-VAR", "'MY-VAR' is not a valid environment variable name: letters, digits and '_', not starting with a digit, at most 128 characters.")]
    [InlineData("      - name: compile\n        kind: build\n        initContainers: [{image: a}]\n        container: {image: a, command: [b]}", "stages[0].tasks[0].initContainers[0].command", "A container needs a command (or args).")]
    [InlineData("      - name: compile\n        kind: build\n        retries: 21\n        container: {image: a, command: [b]}", "stages[0].tasks[0].retries", "Retries must be between 0 and 20.")]
    [InlineData("      - name: compile\n        kind: build\n        timeoutSeconds: 0\n        container: {image: a, command: [b]}", "stages[0].tasks[0].timeoutSeconds", "The timeout must be between 1 second and 7 days.")]
    [InlineData("      - name: compile\n        kind: build\n        namespace: Team_A\n        container: {image: a, command: [b]}", "stages[0].tasks[0].namespace", "'Team_A' is not a valid Kubernetes namespace name.")]
    [InlineData("      - name: compile\n        kind: build\n        cluster: east/1\n        container: {image: a, command: [b]}", "stages[0].tasks[0].cluster", "'east/1' is not a valid cluster id.")]
    [InlineData("      - name: compile\n        kind: build\n        params: {_JOB_ID: mine}\n        container: {image: a, command: [b]}", "stages[0].tasks[0].params._JOB_ID", "'_JOB_ID' is a system variable; it cannot be set.")]
    [InlineData("      - name: compile\n        kind: build\n        params: {_: x}\n        container: {image: a, command: [b]}", "stages[0].tasks[0].params._", "'_' is a system variable; it cannot be set.")]
    [InlineData("      - name: compile\n        kind: build\n        params: {1ST: x}\n        container: {image: a, command: [b]}", "stages[0].tasks[0].params.1ST", "'1ST' is not a valid param name: letters, digits and '_', not starting with a digit, at most 128 characters.")]
    [InlineData("      - name: compile\n        kind: build\n        params: {APP: }\n        container: {image: a, command: [b]}", "stages[0].tasks[0].params.APP", "A param needs a value (use \"\" for an empty one).")]
    [InlineData("      - name: deploy-staging\n        kind: build\n        container: {image: a, command: [b]}", "stages[1].tasks[0].name", "Another task is already named 'deploy-staging'.")]
    [InlineData("      -", "stages[0].tasks[0]", "A task cannot be empty.")]
    public void Should_name_the_offending_field(string task, string field, string message)
    {
        var errors = Errors(Pipeline(task));

        Assert.Equal(new Dictionary<string, string[]> { [field] = [message] }, errors);
    }

    [Theory]
    [InlineData("Compile")]
    [InlineData("1st")]
    [InlineData("-compile")]
    [InlineData("compile-")]
    [InlineData("com_pile")]
    [InlineData("com.pile")]
    [InlineData("a-task-name-that-is-longer-than-forty-chars")]
    public void Should_reject_an_invalid_task_name(string name)
    {
        var errors = Errors(Pipeline($"      - name: \"{name}\"\n        kind: build\n        container: {{image: a, command: [b]}}"));

        Assert.Equal(
            [$"'{name}' is not a valid task name: use at most 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit."],
            errors["stages[0].tasks[0].name"]);
    }

    [Theory]
    [InlineData("c")]
    [InlineData("compile-2")]
    [InlineData("a-task-name-that-is-exactly-forty-chars1")]
    public void Should_accept_a_valid_task_name(string name)
    {
        PipelineValidator.Validate(Pipeline($"      - name: {name}\n        kind: build\n        container: {{image: a, command: [b]}}"));
    }

    [Theory]
    [InlineData("build", JobKind.Build)]
    [InlineData("Deploy", JobKind.Deploy)]
    [InlineData("VM", JobKind.Vm)]
    public void Should_accept_a_kind_in_any_case_and_read_it_as_that_kind(string kind, JobKind expected)
    {
        var pipeline = Pipeline($"      - name: compile\n        kind: {kind}\n        container: {{image: a, command: [b]}}");

        PipelineValidator.Validate(pipeline);

        Assert.True(PipelineValidator.TryParseKind(pipeline.Stages![0].Tasks![0].Kind, out var parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("stages: []", "stages", "A pipeline needs at least one stage.")]
    [InlineData("", "stages", "A pipeline needs at least one stage.")]
    [InlineData("stages:\n  -", "stages[0]", "A stage cannot be empty.")]
    [InlineData("stages:\n  - name: build", "stages[0].tasks", "A stage needs at least one task.")]
    [InlineData("stages:\n  - name: build\n    tasks: []", "stages[0].tasks", "A stage needs at least one task.")]
    [InlineData("stages:\n  - tasks: [{name: a, kind: vm, container: {image: i, command: [c]}}]", "stages[0].name", "A stage needs a name.")]
    [InlineData("params: {_DEPLOY_ID: x}\nstages:\n  - name: build\n    tasks: [{name: a, kind: vm, container: {image: i, command: [c]}}]", "params._DEPLOY_ID", "'_DEPLOY_ID' is a system variable; it cannot be set.")]
    [InlineData("stages:\n  - name: build\n    params: {_SERVICE_NAME: x}\n    tasks: [{name: a, kind: vm, container: {image: i, command: [c]}}]", "stages[0].params._SERVICE_NAME", "'_SERVICE_NAME' is a system variable; it cannot be set.")]
    [InlineData("stages:\n  - name: build\n    tasks: [{name: a, kind: vm, container: {image: i, command: [c]}}]\n  - name: build\n    tasks: [{name: b, kind: vm, container: {image: i, command: [c]}}]", "stages[1].name", "Another stage is already named 'build'.")]
    public void Should_name_the_offending_pipeline_or_stage_field(string stages, string field, string message)
    {
        var errors = Errors(PipelineDocumentParser.ParsePipeline($"name: hello\n{stages}\n"));

        Assert.Equal(new Dictionary<string, string[]> { [field] = [message] }, errors);
    }

    [Fact]
    public void Should_require_a_name()
    {
        var errors = Errors(PipelineDocumentParser.ParsePipeline("description: nameless\nstages:\n  - name: build\n    tasks: [{name: a, kind: vm, container: {image: i, command: [c]}}]\n"));

        Assert.Equal(new Dictionary<string, string[]> { ["name"] = ["A pipeline needs a name."] }, errors);
    }

    [Fact]
    public void Should_report_every_problem_at_once()
    {
        var pipeline = PipelineDocumentParser.ParsePipeline("""
            stages:
              - name: build
                tasks:
                  - name: Compile
                    kind: docker
                    params: {_JOB_ID: x}
                    container: {command: [b]}
              - name: test
                tasks: []
            """);

        var ex = Assert.Throws<PipelineValidationException>(() => PipelineValidator.Validate(pipeline));

        Assert.Equal(
            ["name", "stages[0].tasks[0].name", "stages[0].tasks[0].kind", "stages[0].tasks[0].params._JOB_ID", "stages[0].tasks[0].container.image", "stages[1].tasks"],
            ex.Errors.Keys);
        Assert.StartsWith("Invalid pipeline: name: A pipeline needs a name.; stages[0].tasks[0].name: 'Compile' is not a valid task name", ex.Message);
    }

    [Fact]
    public void Should_prefix_fields_when_told_where_the_pipeline_is()
    {
        var errors = Errors(PipelineDocumentParser.ParsePipeline("stages: []"), prefix: "pipeline");

        Assert.Equal(["pipeline.name", "pipeline.stages"], errors.Keys);
    }

    [Theory]
    [InlineData("_JOB_TASK_UPDATE_TOKEN", "params._JOB_TASK_UPDATE_TOKEN", "'_JOB_TASK_UPDATE_TOKEN' is a system variable; it cannot be set.")]
    [InlineData("NOT VALID", "params.NOT VALID", "'NOT VALID' is not a valid param name: letters, digits and '_', not starting with a digit, at most 128 characters.")]
    public void Should_check_run_time_params(string name, string field, string message)
    {
        var ex = Assert.Throws<PipelineValidationException>(() =>
            PipelineValidator.ValidateRunParams(new Dictionary<string, string> { ["APP"] = "ok", [name] = "x" }));

        Assert.Equal(new Dictionary<string, string[]> { [field] = [message] }, ex.Errors);
    }

    static PipelineDocument Pipeline(string firstTask) =>
        PipelineDocumentParser.ParsePipeline(Template.Replace("@TASK@", firstTask));

    static IReadOnlyDictionary<string, string[]> Errors(PipelineDocument pipeline, string prefix = "")
    {
        try
        {
            PipelineValidator.Validate(pipeline, prefix);
            return new Dictionary<string, string[]>();
        }
        catch (PipelineValidationException ex)
        {
            return ex.Errors;
        }
    }
}
