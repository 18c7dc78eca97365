using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Tests.Pipelines;

public sealed class When_parsing_pipeline_documents
{
    const string Yaml = """
        name: hello
        description: says hello
        params:
          APP: hello
          REPLICAS: 3
        stages:
          - name: build
            params:
              TARGET: release
            tasks:
              - name: compile
                kind: build
                retries: 2
                timeoutSeconds: 600
                namespace: ci
                cluster: east-1
                params:
                  DEBUG: "false"
                initContainers:
                  - name: fetch
                    image: alpine/git:2.45
                    command: [git, clone, https://example.com/app.git, src]
                container:
                  image: gcr.io/kaniko-project/executor:v1.23.2
                  command: [/kaniko/executor]
                  args: [--context, dir:///workspace/src]
                  env:
                    DOCKER_CONFIG: /kaniko/.docker
                  workingDir: /workspace
        """;

    [Fact]
    public void Should_read_every_field_of_a_yaml_pipeline()
    {
        var pipeline = PipelineDocumentParser.ParsePipeline(Yaml);

        Assert.Equal("hello", pipeline.Name);
        Assert.Equal("says hello", pipeline.Description);
        Assert.Equal(new Dictionary<string, string> { ["APP"] = "hello", ["REPLICAS"] = "3" }, pipeline.Params);
        var stage = Assert.Single(pipeline.Stages!);
        Assert.Equal("build", stage.Name);
        Assert.Equal("release", stage.Params!["TARGET"]);
        var task = Assert.Single(stage.Tasks!)!;
        Assert.Equal("compile", task.Name);
        Assert.Equal("build", task.Kind);
        Assert.Equal(2, task.Retries);
        Assert.Equal(600, task.TimeoutSeconds);
        Assert.Equal("ci", task.Namespace);
        Assert.Equal("east-1", task.Cluster);
        Assert.Equal("false", task.Params!["DEBUG"]);
        var init = Assert.Single(task.InitContainers!)!;
        Assert.Equal("fetch", init.Name);
        Assert.Equal(["git", "clone", "https://example.com/app.git", "src"], init.Command);
        Assert.Equal("gcr.io/kaniko-project/executor:v1.23.2", task.Container!.Image);
        Assert.Equal(["/kaniko/executor"], task.Container.Command);
        Assert.Equal(["--context", "dir:///workspace/src"], task.Container.Args);
        Assert.Equal("/kaniko/.docker", task.Container.Env!["DOCKER_CONFIG"]);
        Assert.Equal("/workspace", task.Container.WorkingDir);
    }

    [Fact]
    public void Should_accept_json()
    {
        // As an HTTP client would send it: pretty-printed with tabs, unicode escapes, explicit nulls.
        const string json = "{\n\t\"name\": \"caf\\u00e9\",\n\t\"params\": {\"APP\": \"hello\"},\n\t\"stages\": [\n"
            + "\t\t{\"name\": \"build\", \"tasks\": [{\"name\": \"compile\", \"kind\": \"build\", \"retries\": null,\n"
            + "\t\t\t\"container\": {\"image\": \"alpine:3.20\", \"command\": [\"sh\", \"-c\", \"echo \\\"hi\\\"\"]}}]}\n\t]\n}";

        var pipeline = PipelineDocumentParser.ParsePipeline(json);

        Assert.Equal("café", pipeline.Name);
        Assert.Equal("hello", pipeline.Params!["APP"]);
        var task = pipeline.Stages![0].Tasks![0]!;
        Assert.Null(task.Retries);
        Assert.Equal(["sh", "-c", "echo \"hi\""], task.Container!.Command);
        PipelineValidator.Validate(pipeline);
    }

    [Theory]
    [InlineData("name: hello\nstages:\n  - name: build\n    tasks: [\n", "Malformed document at line 5, column 1: While parsing a node, did not find expected node content.")]
    [InlineData("{\"name\": \"hello\",\n \"stages\": [{\"name\": \"build\",, \"tasks\": []}]}", "Malformed document at line 2, column 30: While parsing a node, did not find expected node content.")]
    [InlineData("{\"name\": \"hello}", "Malformed document at line 1, column 10: While scanning a quoted scalar, found unexpected end of stream.")]
    [InlineData("name: hello\nname: again\n", "Malformed document at line 2, column 1: The field 'name' is given twice.")]
    [InlineData("name: hello\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        colour: red\n", "Malformed document at line 7, column 9: Unknown field 'colour'.")]
    [InlineData("name: hello\nstage: []\n", "Malformed document at line 2, column 1: Unknown field 'stage'.")]
    [InlineData("name: hello\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        container:\n          command: echo hi\n", "Malformed document at line 7, column 20: Expected a list here.")]
    [InlineData("name: hello\nparams: [APP]\n", "Malformed document at line 2, column 9: Expected a mapping, found a list.")]
    [InlineData("name: [hello]\n", "Malformed document at line 1, column 7: Expected a single value here.")]
    [InlineData("name: hello\nstages:\n  - build\n", "Malformed document at line 3, column 5: Expected a mapping here.")]
    [InlineData("name: hello\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        retries: many\n", "Malformed document at line 6, column 18: 'many' is not a whole number.")]
    [InlineData("name: hello\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        timeoutSeconds: 99999999999\n", "Malformed document at line 6, column 25: The number is too large.")]
    public void Should_name_the_line_and_column_of_what_is_malformed(string text, string message)
    {
        var ex = Assert.Throws<PipelineValidationException>(() => PipelineDocumentParser.ParsePipeline(text));

        var (field, messages) = Assert.Single(ex.Errors);
        Assert.Equal("body", field);
        Assert.Equal([message], messages);
        Assert.Equal($"Invalid pipeline: body: {message}", ex.Message);
    }

    [Theory]
    [InlineData("", "The document is empty.")]
    [InlineData("  \n\t\n", "The document is empty.")]
    public void Should_reject_an_empty_document(string text, string message)
    {
        var ex = Assert.Throws<PipelineValidationException>(() => PipelineDocumentParser.ParseRunRequest(text));

        Assert.Equal([message], ex.Errors["body"]);
    }

    [Theory]
    [InlineData("- build\n- test\n")]
    [InlineData("# nothing but a comment\n")]
    [InlineData("just text")]
    public void Should_reject_a_run_request_that_is_not_a_mapping(string text)
    {
        var ex = Assert.Throws<PipelineValidationException>(() => PipelineDocumentParser.ParseRunRequest(text));

        Assert.Equal(["The document must be a mapping with 'stages' (YAML or JSON)."], ex.Errors["body"]);
    }

    [Fact]
    public void Should_name_the_field_it_was_given()
    {
        var ex = Assert.Throws<PipelineValidationException>(() => PipelineDocumentParser.ParsePipeline("name: [", "pipeline"));

        Assert.Equal(["pipeline"], ex.Errors.Keys);
        Assert.StartsWith("Malformed document at line 2, column 1: ", ex.Errors["pipeline"][0]);
    }

    [Fact]
    public void Should_refuse_a_document_over_the_size_limit()
    {
        var text = "name: hello\n# " + new string('x', PipelineDocumentParser.MaxDocumentLength) + "\n";

        var ex = Assert.Throws<PipelineValidationException>(() => PipelineDocumentParser.ParseRunRequest(text));

        Assert.Equal(["The document is 1048591 characters long; the limit is 1048576."], ex.Errors["body"]);
    }

    [Fact]
    public void Should_read_a_run_request_wrapping_a_pipeline()
    {
        const string text = """
            pipeline:
              name: hello
              stages:
                - name: build
                  tasks:
                    - name: compile
                      kind: build
                      container: {image: alpine:3.20, command: [echo, hi]}
            params:
              APP: goodbye
            mode: rollback
            triggeredBy: alice
            trigger: release-portal
            idempotencyKey: release-42
            """;

        var request = PipelineDocumentParser.ParseRunRequest(text);

        Assert.Equal("hello", request.Pipeline!.Name);
        Assert.Equal("compile", request.Pipeline.Stages![0].Tasks![0]!.Name);
        Assert.Equal(new Dictionary<string, string> { ["APP"] = "goodbye" }, request.Params);
        Assert.Equal("rollback", request.Mode);
        Assert.Equal("alice", request.TriggeredBy);
        Assert.Equal("release-portal", request.Trigger);
        Assert.Equal("release-42", request.IdempotencyKey);
    }

    [Fact]
    public void Should_take_a_bare_pipeline_as_a_run_request()
    {
        var request = PipelineDocumentParser.ParseRunRequest(Yaml);

        Assert.Equal("hello", request.Pipeline!.Name);
        Assert.Null(request.Params);
        Assert.Null(request.Mode);
    }

    [Fact]
    public void Should_name_a_field_given_twice_in_a_run_request()
    {
        var ex = Assert.Throws<PipelineValidationException>(() =>
            PipelineDocumentParser.ParseRunRequest("pipeline:\n  name: hello\nparams: {APP: x}\nparams: {APP: y}\n"));

        Assert.Equal(["Malformed document at line 4, column 1: The field 'params' is given twice."], ex.Errors["body"]);
    }

    [Fact]
    public void Should_name_an_unknown_field_of_the_wrapper()
    {
        var ex = Assert.Throws<PipelineValidationException>(() =>
            PipelineDocumentParser.ParseRunRequest("pipeline:\n  name: hello\nparams: {APP: x}\nmodes: rollback\n"));

        Assert.Equal(["Malformed document at line 4, column 1: Unknown field 'modes'."], ex.Errors["body"]);
    }
}
