using MFlow.Contracts;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Runs;

public sealed class When_planning_a_run
{
    const string Pipeline = """
        name: hello
        params: {LEVEL: pipeline, FROM_PIPELINE: p, STAGE_WINS: pipeline, TASK_WINS: pipeline, RUN_WINS: pipeline}
        stages:
          - name: build
            params: {STAGE_WINS: stage, TASK_WINS: stage, RUN_WINS: stage, FROM_STAGE: s}
            tasks:
              - name: compile
                kind: build
                params: {TASK_WINS: task, RUN_WINS: task, FROM_TASK: t}
                initContainers:
                  - {image: alpine/git:2.45, command: [git, clone, repo]}
                  - {name: prepare, image: alpine:3.20, args: [prepare]}
                container:
                  image: alpine:3.20
                  command: [sh, -c]
                  args: [make]
                  env: {CC: gcc}
                  workingDir: src
          - name: ship
            tasks:
              - name: deploy-staging
                kind: Deploy
                retries: 3
                timeoutSeconds: 120
                namespace: staging
                cluster: east-1
                container: {name: kubectl, image: bitnami/kubectl:1.31, command: [kubectl, rollout, status]}
              - name: vm-rollout
                kind: VM
                params: {HOSTS: vm-1}
                container: {image: alpine/ansible:2.17, command: [ansible-playbook, site.yml]}
        """;

    static readonly Guid RunId = Guid.Parse("0f8e2a9c-0000-4000-8000-000000000001");
    static readonly HashSet<string> RegisteredClusters = ["east-1"];

    [Fact]
    public void Should_merge_params_pipeline_then_stage_then_task_then_run_time()
    {
        var plan = Plan(runParams: new Dictionary<string, string> { ["RUN_WINS"] = "run", ["FROM_RUN"] = "r" });

        var compile = plan.Stages[0].Tasks[0];
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["LEVEL"] = "pipeline",
                ["FROM_PIPELINE"] = "p",
                ["STAGE_WINS"] = "stage",
                ["TASK_WINS"] = "task",
                ["RUN_WINS"] = "run",
                ["FROM_STAGE"] = "s",
                ["FROM_TASK"] = "t",
                ["FROM_RUN"] = "r",
            },
            compile.Params);

        // A stage's params are its own: the next stage's tasks see only pipeline and run-time values.
        var deploy = plan.Stages[1].Tasks[0];
        Assert.Equal("pipeline", deploy.Params["STAGE_WINS"]);
        Assert.Equal("run", deploy.Params["RUN_WINS"]);
        Assert.False(deploy.Params.ContainsKey("FROM_STAGE"));
        Assert.False(deploy.Params.ContainsKey("FROM_TASK"));
        Assert.Equal("vm-1", plan.Stages[1].Tasks[1].Params["HOSTS"]);
        Assert.False(deploy.Params.ContainsKey("HOSTS"));
    }

    [Fact]
    public void Should_give_a_task_the_same_id_every_time_for_the_same_run()
    {
        var first = Plan();
        var again = Plan();
        var otherRun = RunPlanner.Plan(Guid.NewGuid(), Request(), new Dictionary<string, ResolvedJob>(), RegisteredClusters, value => value);

        var ids = first.Stages.SelectMany(s => s.Tasks).Select(t => t.TaskId).ToList();
        Assert.Equal(ids, again.Stages.SelectMany(s => s.Tasks).Select(t => t.TaskId));
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(RunPlanner.TaskId(RunId, "compile"), ids[0]);
        Assert.Empty(ids.Intersect(otherRun.Stages.SelectMany(s => s.Tasks).Select(t => t.TaskId)));
        Assert.DoesNotContain(Guid.Empty, ids);
    }

    [Fact]
    public void Should_keep_stage_order_names_and_kinds()
    {
        var plan = Plan(mode: RunMode.Rollback);

        Assert.Equal("hello", plan.PipelineName);
        Assert.Equal(RunMode.Rollback, plan.Mode);
        Assert.Equal([(0, "build"), (1, "ship")], plan.Stages.Select(s => (s.Index, s.Name)));
        Assert.Equal(
            [("compile", JobKind.Build, "build"), ("deploy-staging", JobKind.Deploy, "deploy"), ("vm-rollout", JobKind.Vm, "vm")],
            plan.Stages.SelectMany(s => s.Tasks).Select(t => (t.Name, t.Kind, t.JobName)));
    }

    [Fact]
    public void Should_fill_in_defaults()
    {
        var compile = Plan().Stages[0].Tasks[0];

        Assert.Equal(0, compile.BackoffLimit);
        Assert.Equal(0, compile.Retries);
        Assert.Equal(3600, compile.TimeoutSeconds);
        Assert.Null(compile.Target.Namespace);
        Assert.Null(compile.Target.ClusterId);
        Assert.Equal("main", compile.Container!.Name);
        Assert.Equal(["init-1", "prepare"], compile.InitContainers.Select(c => c.Name));
        Assert.Empty(compile.InitContainers[1].Command);
        Assert.Equal(["prepare"], compile.InitContainers[1].Args);
        Assert.Empty(compile.InitContainers[0].Env);
    }

    [Fact]
    public void Should_carry_what_the_task_sets()
    {
        var compile = Plan().Stages[0].Tasks[0];
        var deploy = Plan().Stages[1].Tasks[0];

        Assert.Equal("alpine:3.20", compile.Container!.Image);
        Assert.Equal(["sh", "-c"], compile.Container.Command);
        Assert.Equal(["make"], compile.Container.Args);
        Assert.Equal("gcc", compile.Container.Env["CC"]);
        Assert.Equal("src", compile.Container.WorkingDir);
        Assert.Equal(["git", "clone", "repo"], compile.InitContainers[0].Command);
        // Each retry is a new attempt (its own Job and token): Kubernetes retries nothing itself.
        Assert.Equal(3, deploy.Retries);
        Assert.Equal(0, deploy.BackoffLimit);
        Assert.Null(deploy.RetryBackoff);
        Assert.Equal(120, deploy.TimeoutSeconds);
        Assert.Equal("staging", deploy.Target.Namespace);
        Assert.Equal("east-1", deploy.Target.ClusterId);
        Assert.Equal("kubectl", deploy.Container!.Name);
    }

    [Fact]
    public void Should_refuse_a_cluster_that_is_not_registered()
    {
        var ex = Assert.Throws<PipelineValidationException>(() =>
            RunPlanner.Plan(RunId, Request(), new Dictionary<string, ResolvedJob>(), new HashSet<string> { "west-2" }, value => value));

        Assert.Equal(
            new Dictionary<string, string[]> { ["stages[1].tasks[0].cluster"] = ["Task 'deploy-staging': cluster 'east-1' is not registered (see /api/v1/clusters)."] },
            ex.Errors);
    }

    static RunPlan Plan(IReadOnlyDictionary<string, string>? runParams = null, RunMode mode = RunMode.Normal) =>
        RunPlanner.Plan(RunId, Request(runParams, mode), new Dictionary<string, ResolvedJob>(), RegisteredClusters, value => value);

    static RunRequest Request(IReadOnlyDictionary<string, string>? runParams = null, RunMode mode = RunMode.Normal)
    {
        var pipeline = PipelineDocumentParser.ParsePipeline(Pipeline);
        PipelineValidator.Validate(pipeline);
        return new RunRequest { Pipeline = pipeline, Params = runParams ?? new Dictionary<string, string>(), Mode = mode };
    }
}
