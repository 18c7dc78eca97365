using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Runs;

/// <summary>Turns a validated pipeline and a run's values into the run's plan.</summary>
public static class RunPlanner
{
    /// <summary>Default deadline of a task attempt.</summary>
    public const int DefaultTimeoutSeconds = 3600;

    /// <summary>Builds the plan. The pipeline must have passed <see cref="PipelineValidator"/>.</summary>
    public static RunPlan Plan(Guid runId, RunRequest request)
    {
        var pipeline = request.Pipeline;
        var stages = pipeline.Stages!.Select((stage, index) => new PlanStage
        {
            Index = index,
            Name = stage.Name!,
            Tasks = stage.Tasks!.Select(task => PlanTask(runId, pipeline, stage, task!, request)).ToList(),
        }).ToList();
        return new RunPlan { PipelineName = pipeline.Name!, Mode = request.Mode, Stages = stages };
    }

    /// <summary>A task's id: the same run and task name always give the same id.</summary>
    public static Guid TaskId(Guid runId, string taskName) => DeterministicGuid.Create(runId, "task:" + taskName);

    static PlanTask PlanTask(Guid runId, PipelineDocument pipeline, StageDocument stage, TaskDocument task, RunRequest request)
    {
        PipelineValidator.TryParseKind(task.Kind, out var kind);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { pipeline.Params, stage.Params, task.Params, request.Params })
        {
            foreach (var (name, value) in source ?? new Dictionary<string, string>())
                merged[name] = value;
        }

        return new PlanTask
        {
            TaskId = TaskId(runId, task.Name!),
            Name = task.Name!,
            Kind = kind,
            JobName = kind.ToString().ToLowerInvariant(),
            Params = merged,
            Container = task.Container is null ? null : ToSpec(task.Container, "main"),
            InitContainers = (task.InitContainers ?? []).Select((c, i) => ToSpec(c!, $"init-{i + 1}")).ToList(),
            BackoffLimit = task.Retries ?? 0,
            TimeoutSeconds = task.TimeoutSeconds ?? DefaultTimeoutSeconds,
            Target = new KubernetesTarget { Namespace = task.Namespace, ClusterId = task.Cluster },
        };
    }

    static ContainerSpec ToSpec(ContainerDocument container, string defaultName) => new()
    {
        Name = container.Name ?? defaultName,
        Image = container.Image!,
        Command = container.Command ?? [],
        Args = container.Args ?? [],
        Env = container.Env ?? [],
        WorkingDir = container.WorkingDir,
    };
}
