using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Params;

// Inline tasks: a task without a container runs its kind's built-in Job (admin-controlled code),
// a task with one runs the caller's own container.
public sealed class When_params_name_process_controlling_variables
{
    static RunPlan Plan(string tasks, Dictionary<string, string>? pipelineParams = null, Dictionary<string, string>? runParams = null)
    {
        var pipeline = PipelineDocumentParser.ParsePipeline($"name: p\nstages:\n  - name: s\n    tasks:\n{tasks}");
        pipeline.Params = pipelineParams;
        PipelineValidator.Validate(pipeline);
        return RunPlanner.Plan(Guid.NewGuid(), new RunRequest { Pipeline = pipeline, Params = runParams ?? [] },
            new Dictionary<string, ResolvedJob>(), new HashSet<string>(), value => value);
    }

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("PATH")]
    [InlineData("GIT_SSH_COMMAND")]
    [InlineData("KUBECONFIG")]
    public void Should_refuse_them_for_a_built_in_job_at_pipeline_and_run_level(string name)
    {
        var refused = Assert.Throws<PipelineValidationException>(() =>
            Plan("      - {name: image, kind: build, params: {GIT_URL: 'git@example.com:shop.git', IMAGE: 'r/shop:1'}}\n",
                pipelineParams: new() { [name] = "x" }, runParams: new() { [name] = "y" }));

        Assert.Equal(
            [$"{name} changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables); the built-in build Job does not take it, so it cannot be set."],
            refused.Errors[$"params.{name}"]);
    }

    [Fact]
    public void Should_let_a_built_in_job_take_the_inputs_it_reads()
    {
        var plan = Plan("      - {name: image, kind: build, params: {GIT_URL: 'git@example.com:shop.git', GIT_REF: main, GIT_SSH_SECRET: key}}\n");

        Assert.Equal("git@example.com:shop.git", plan.Stages[0].Tasks[0].Params["GIT_URL"]);
    }

    [Fact]
    public void Should_point_a_task_with_its_own_container_to_its_env()
    {
        var refused = Assert.Throws<PipelineValidationException>(() =>
            Plan("      - {name: own, kind: build, params: {PATH: /tmp}, container: {image: a, command: [true]}}\n"));

        Assert.Equal(
            ["PATH changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables), so it cannot be set as a param; a task's own container may set it in its 'env'."],
            refused.Errors["stages[0].tasks[0].params.PATH"]);
    }

    [Fact]
    public void Should_exempt_exactly_what_the_built_in_job_definitions_declare()
    {
        var declared = JobFiles.Read(Path.Combine(AppContext.BaseDirectory, "jobs"))
            .Where(job => job.Labels.ContainsKey("mflow.dev/builtin"))
            .Select(job => (Kind: Enum.Parse<JobKind>(job.Kind!, ignoreCase: true), Job: System.Text.Json.JsonSerializer.Deserialize<JobDefinitionDocument>(job.Document, MFlow.Persistence.StoredJson.Options)!))
            .ToDictionary(
                j => j.Kind,
                j => (j.Job.Params ?? []).Where(p => p.ParsedUsage == ParamUsage.Env && ProcessControllingNames.Contains(p.Name!)).Select(p => p.Name!).Order().ToList());

        Assert.Equal(3, declared.Count);
        foreach (var (kind, names) in declared)
            Assert.Equal(names, ProcessControllingNames.BuiltinKindParams[kind].Order().ToList());
    }
}
