using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_params_are_checked_at_submission(DefinitionsCluster cluster) : IAsyncLifetime
{
    string _namespace = "";
    string _job = "";

    public async Task InitializeAsync()
    {
        _namespace = DefinitionsCluster.Unique("params");
        _job = $"checks@{_namespace}.params:v1";
        await cluster.CreateJobAsync($$"""
            name: checks
            namespace: {{_namespace}}
            domain: params
            version: v1
            kind: build
            params:
              - { name: REQUIRED_THING, required: true, description: "The thing to check." }
              - { name: FLAG, type: boolean, default: "false" }
              - { name: CHANNEL, type: enum, options: [stable, beta], default: stable }
              - { name: SSH_SECRET, type: secret }
              - { name: SETTINGS, type: configMap }
              - { name: LOCKED, readOnly: true, default: fixed }
              - { name: CLUSTER, usage: runner }
              - { name: _TRACE_ID, usage: system }
              - { name: P_DEFAULT, default: job }
              - { name: P_PIPELINE, default: job }
              - { name: P_STAGE, default: job }
              - { name: P_TASK, default: job }
              - { name: P_RUN, default: job }
            template:
              container: { image: "busybox:1.36", command: ["true"] }
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    // Each rule: the values a user gives (task params, stage params, run-time params, an inline
    // task's cluster), the field the error names, and the message the user reads.
    public static TheoryData<string> Rules => new(_cases.Keys);

    static readonly Dictionary<string, Case> _cases = new()
    {
        ["required value missing"] = new(Required: false, Field: "stages[0].tasks[0].params.REQUIRED_THING",
            Message: "Task 'check': param REQUIRED_THING is required by job {job} (The thing to check)."),
        ["boolean not true or false"] = new(Task: new() { ["FLAG"] = "yes" }, Field: "stages[0].tasks[0].params.FLAG",
            Message: "Task 'check': param FLAG must be true or false, not 'yes'."),
        ["boolean given for the stage"] = new(Stage: new() { ["FLAG"] = "True" }, Field: "stages[0].params.FLAG",
            Message: "Task 'check': param FLAG must be true or false, not 'True'."),
        ["enum outside its options"] = new(Task: new() { ["CHANNEL"] = "nightly" }, Field: "stages[0].tasks[0].params.CHANNEL",
            Message: "Task 'check': param CHANNEL must be one of stable, beta, not 'nightly'."),
        ["enum outside its options at run time"] = new(Run: new() { ["CHANNEL"] = "edge" }, Field: "params.CHANNEL",
            Message: "Task 'check': param CHANNEL must be one of stable, beta, not 'edge'."),
        ["malformed Secret name"] = new(Task: new() { ["SSH_SECRET"] = "My_Key" }, Field: "stages[0].tasks[0].params.SSH_SECRET",
            Message: "Task 'check': param SSH_SECRET 'My_Key' is not a valid Kubernetes Secret name (lowercase letters, digits, '-' and '.')."),
        ["malformed ConfigMap name"] = new(Task: new() { ["SETTINGS"] = "settings/prod" }, Field: "stages[0].tasks[0].params.SETTINGS",
            Message: "Task 'check': param SETTINGS 'settings/prod' is not a valid Kubernetes ConfigMap name (lowercase letters, digits, '-' and '.')."),
        ["read-only overridden"] = new(Task: new() { ["LOCKED"] = "mine" }, Field: "stages[0].tasks[0].params.LOCKED",
            Message: "Task 'check': param LOCKED of job {job} is read-only; only the job's default applies."),
        ["read-only overridden at run time"] = new(Run: new() { ["LOCKED"] = "mine" }, Field: "params.LOCKED",
            Message: "Task 'check': param LOCKED of job {job} is read-only; only the job's default applies."),
        ["system variable set on the task"] = new(Task: new() { ["_TRACE_ID"] = "abc" }, Field: "stages[0].tasks[0].params._TRACE_ID",
            Message: "'_TRACE_ID' is a system variable; it cannot be set."),
        ["system variable set at run time"] = new(Run: new() { ["_JOB_TASK_UPDATE_TOKEN"] = "forged" }, Field: "params._JOB_TASK_UPDATE_TOKEN",
            Message: "'_JOB_TASK_UPDATE_TOKEN' is a system variable; it cannot be set."),
        ["unknown task-level param"] = new(Task: new() { ["COLOUR"] = "blue" }, Field: "stages[0].tasks[0].params.COLOUR",
            Message: "Task 'check': job {job} has no param COLOUR (declare it in the job; a value set for the whole stage, pipeline or run reaches only the jobs that declare it)."),
        ["the loader steered for the stage"] = new(Stage: new() { ["LD_PRELOAD"] = "/tmp/evil.so" }, Field: "stages[0].params.LD_PRELOAD",
            Message: "LD_PRELOAD changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables); job {job} does not declare it, so it cannot be set."),
        ["the search path replaced at run time"] = new(Run: new() { ["PATH"] = "/tmp/evil" }, Field: "params.PATH",
            Message: "PATH changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables); job {job} does not declare it, so it cannot be set."),
        ["unregistered cluster"] = new(Task: new() { ["CLUSTER"] = "nowhere" }, Field: "stages[0].tasks[0].params.CLUSTER",
            Message: "Task 'check': cluster 'nowhere' is not registered (see /api/v1/clusters)."),
        ["unregistered cluster of an inline task"] = new(InlineCluster: "elsewhere", Field: "stages[0].tasks[0].cluster",
            Message: "Task 'check': cluster 'elsewhere' is not registered (see /api/v1/clusters)."),
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Should_refuse_the_run_naming_the_field_and_the_rule(string rule)
    {
        var @case = _cases[rule];
        var pipeline = DefinitionsCluster.Unique("refused");
        object task = @case.InlineCluster is { } inlineCluster
            ? new { name = "check", kind = "build", cluster = inlineCluster, container = new { image = "busybox:1.36", command = new[] { "true" } } }
            : new { name = "check", job = _job, @params = TaskParams(@case) };
        var request = new
        {
            pipeline = new { name = pipeline, stages = new[] { new { name = "verify", @params = @case.Stage, tasks = new[] { task } } } },
            @params = @case.Run,
        };

        using var response = await cluster.Operator.PostAsJsonAsync("/api/v1/runs", request, DefinitionsCluster.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ApiProblem.ReadAsync(response);
        Assert.Equal("The pipeline run request is not valid.", problem.Title);
        Assert.Equal(new Dictionary<string, string[]> { [@case.Field] = [@case.Message.Replace("{job}", _job)] }, problem.Errors);
        // Refused before anything was stored or dispatched.
        using var runs = await cluster.Viewer.GetAsync("/api/v1/runs?limit=500");
        Assert.DoesNotContain(pipeline, await runs.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_merge_job_default_then_pipeline_stage_task_and_run_time_values()
    {
        var runId = await cluster.StartRunAsync(new
        {
            pipeline = new
            {
                name = DefinitionsCluster.Unique("precedence"),
                @params = new { P_PIPELINE = "pipeline", P_STAGE = "pipeline", P_TASK = "pipeline", P_RUN = "pipeline", NOT_DECLARED = "pipeline" },
                stages = new[]
                {
                    new
                    {
                        name = "verify",
                        @params = new { P_STAGE = "stage", P_TASK = "stage", P_RUN = "stage" },
                        tasks = new[] { new { name = "check", job = _job, @params = new { P_TASK = "task", P_RUN = "task", REQUIRED_THING = "x" } } },
                    },
                },
            },
            @params = new { P_RUN = "run" },
        });

        var job = await cluster.WaitForTaskJobAsync(runId, "check");
        var env = Env(job);
        Assert.Equal("job", env["P_DEFAULT"]);
        Assert.Equal("pipeline", env["P_PIPELINE"]);
        Assert.Equal("stage", env["P_STAGE"]);
        Assert.Equal("task", env["P_TASK"]);
        Assert.Equal("run", env["P_RUN"]);
        Assert.Equal("fixed", env["LOCKED"]);
        Assert.Equal("false", env["FLAG"]);
        Assert.Equal("stable", env["CHANNEL"]);
        Assert.Equal(runId.ToString(), env["_PIPELINE_TASK_ID"]);
        Assert.False(env.ContainsKey("_TRACE_ID"));
        // Set for the whole pipeline, an undeclared param is for the jobs that declare it: not this one.
        Assert.False(env.ContainsKey("NOT_DECLARED"));

        await cluster.CompleteAsync(job);
        await cluster.WaitForRunAsync(runId, run => run.State == "Succeeded", "the run succeeds");
    }

    /// <summary>The main container's plain environment variables (not those from a Secret).</summary>
    internal static Dictionary<string, string> Env(JsonObject job) =>
        job["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .Where(e => e!["value"] is not null)
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());

    // The task's params: the case's, and the required one unless the case is about it.
    static Dictionary<string, string> TaskParams(Case @case)
    {
        var values = new Dictionary<string, string>(@case.Task ?? []);
        if (@case.Required)
            values["REQUIRED_THING"] = "x";
        return values;
    }

    sealed record Case(string Field, string Message, Dictionary<string, string>? Task = null, Dictionary<string, string>? Stage = null,
        Dictionary<string, string>? Run = null, string? InlineCluster = null, bool Required = true);
}
