using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Runs;

public sealed class When_dispatching_a_stage
{
    static readonly Guid RunId = Guid.Parse("0f8e2a9c-0000-4000-8000-000000000002");
    static readonly DateTimeOffset Now = new(2030, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Theory]
    [InlineData(JobKind.Build, typeof(RunBuildTask))]
    [InlineData(JobKind.Deploy, typeof(RunDeployTask))]
    [InlineData(JobKind.Vm, typeof(RunVmTask))]
    public void Should_send_each_kind_its_own_command_with_every_field(JobKind kind, Type commandType)
    {
        var task = Task("t1", kind);
        var plan = Plan(RunMode.Rollback, [Task("t0", JobKind.Build)], [task]);

        var command = StageDispatcher.Command(RunId, plan, plan.Stages[1], task, attempt: 2, Now);

        Assert.IsType(commandType, command);
        Assert.Equal(kind, command.Kind);
        Assert.Equal(RunId, command.RunId);
        Assert.Equal(task.TaskId, command.TaskId);
        Assert.Equal("t1", command.TaskName);
        Assert.Equal(1, command.StageIndex);
        Assert.Equal(2, command.Attempt);
        Assert.Equal(kind.ToString().ToLowerInvariant(), command.JobName);
        Assert.Equal(RunMode.Rollback, command.Mode);
        Assert.Equal(task.Params, command.Params);
        Assert.Same(task.Container, command.Container);
        Assert.Equal(task.InitContainers, command.InitContainers);
        Assert.Equal(5, command.BackoffLimit);
        Assert.Equal(90, command.TimeoutSeconds);
        Assert.Equal(task.Target, command.Target);
        Assert.Equal(Now, command.DispatchedAt);
        Assert.Empty(command.SecretValues);
    }

    [Fact]
    public void Should_start_every_task_of_the_stage_at_attempt_one()
    {
        var plan = Plan(RunMode.Normal, [Task("compile", JobKind.Build)], [Task("deploy", JobKind.Deploy), Task("rollout", JobKind.Vm)]);

        var commands = StageDispatcher.Commands(RunId, plan, stageIndex: 1, Now);

        Assert.Equal([("deploy", typeof(RunDeployTask)), ("rollout", typeof(RunVmTask))], commands.Select(c => (c.TaskName, c.GetType())));
        Assert.All(commands, c => Assert.Equal(1, c.Attempt));
        Assert.All(commands, c => Assert.Equal(1, c.StageIndex));
    }

    [Fact]
    public void Should_announce_the_run_with_its_whole_plan()
    {
        var plan = Plan(RunMode.Rollback, [Task("compile", JobKind.Build)], [Task("deploy", JobKind.Deploy), Task("rollout", JobKind.Vm)]);
        var request = new RunRequest
        {
            Pipeline = new PipelineDocument(),
            IdempotencyKey = "release-42",
            TriggeredBy = "alice",
            Trigger = "release-portal",
        };

        var started = StageDispatcher.Started(RunId, plan, request, Now);

        Assert.Equal(RunId, started.RunId);
        Assert.Equal("hello", started.PipelineName);
        Assert.Equal("release-42", started.IdempotencyKey);
        Assert.Equal("alice", started.TriggeredBy);
        Assert.Equal("release-portal", started.Trigger);
        Assert.Equal(RunMode.Rollback, started.Mode);
        Assert.Equal(Now, started.StartedAt);
        Assert.Equal([(0, "stage-0"), (1, "stage-1")], started.Stages.Select(s => (s.Index, s.Name)));
        var rollout = started.Stages[1].Tasks[1];
        var planned = plan.Stages[1].Tasks[1];
        Assert.Equal(planned.TaskId, rollout.TaskId);
        Assert.Equal("rollout", rollout.Name);
        Assert.Equal(JobKind.Vm, rollout.Kind);
        Assert.Equal("vm", rollout.JobName);
        Assert.Equal("east-1", rollout.Target.ClusterId);
    }

    static PlanTask Task(string name, JobKind kind) => new()
    {
        TaskId = RunPlanner.TaskId(RunId, name),
        Name = name,
        Kind = kind,
        JobName = kind.ToString().ToLowerInvariant(),
        Params = new Dictionary<string, string> { ["APP"] = "hello", ["WORKLOAD_KIND"] = "Deployment" },
        Container = new ContainerSpec { Name = "main", Image = "alpine:3.20", Command = ["sh", "-c", "true"] },
        InitContainers = [new ContainerSpec { Name = "init-1", Image = "alpine/git:2.45", Command = ["git", "clone", "repo"] }],
        BackoffLimit = 5,
        TimeoutSeconds = 90,
        Target = new KubernetesTarget { Namespace = "ci", ClusterId = "east-1" },
    };

    static RunPlan Plan(RunMode mode, params PlanTask[][] stages) => new()
    {
        PipelineName = "hello",
        Mode = mode,
        Stages = stages.Select((tasks, i) => new PlanStage { Index = i, Name = $"stage-{i}", Tasks = tasks }).ToList(),
    };
}
