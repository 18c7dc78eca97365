using MFlow.Contracts;
using MFlow.Scheduler.Params;

namespace MFlow.Scheduler.Runs;

/// <summary>Builds the run-task commands for one stage of a plan. Pure: the caller stores and publishes them.</summary>
public static class StageDispatcher
{
    /// <summary>
    /// The command that runs one attempt of a task, with what only dispatch time knows: the outputs
    /// of earlier tasks (replacing $(tasks.NAME.outputs.OUTPUT) in param values, and as
    /// TASKS_NAME_OUTPUTS_OUTPUT variables), the job's template filled in, the decrypted secrets, and
    /// the attempt's update token. A reference to an output nobody wrote is a <see cref="DispatchResult.Problem"/>.
    /// </summary>
    public static DispatchResult Command(Guid runId, RunPlan plan, PlanStage stage, PlanTask task, int attempt, DateTimeOffset now, DispatchInputs inputs)
    {
        string? missing = null;
        string Resolve(string value)
        {
            var resolved = OutputReferences.Resolve(value, inputs.Outputs, out var notFound);
            missing ??= notFound;
            return resolved;
        }

        var env = task.Params.ToDictionary(p => p.Key, p => Resolve(p.Value), StringComparer.Ordinal);
        foreach (var (taskName, outputs) in inputs.Outputs)
        {
            foreach (var (output, value) in outputs)
                env.TryAdd(OutputReferences.EnvironmentName(taskName, output), value);
        }

        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in task.SecretParams)
            secrets[name] = Resolve(inputs.Unprotect(value));
        if (task.ProtectedKubeconfig is { } kubeconfig)
            secrets[SecretKeys.Kubeconfig] = inputs.Unprotect(kubeconfig);
        else if (task.Target.ClusterId is { } cluster && inputs.ClusterKubeconfig(cluster) is { } registered)
            secrets[SecretKeys.Kubeconfig] = registered;
        if (inputs.UpdateToken is { } token)
            secrets[SecretKeys.UpdateToken] = token;

        var container = task.Container;
        var init = task.InitContainers;
        if (task.Template?.Container is not null)
        {
            var values = new Dictionary<string, string>(env, StringComparer.Ordinal);
            foreach (var (name, value) in task.TemplateParams)
                values[name] = Resolve(value);
            (container, init) = TemplateRenderer.Render(task.Template, values);
        }

        var command = Command(runId, plan, stage, task, attempt, now) with { Params = env, SecretValues = secrets, Container = container, InitContainers = init };
        return new DispatchResult(command, missing is null ? null : $"Task '{task.Name}': {missing} has no value (the task it names wrote no such output).");
    }

    /// <summary>The commands that start every task of stage <paramref name="stageIndex"/>, first attempt.</summary>
    public static IReadOnlyList<RunTaskCommand> Commands(Guid runId, RunPlan plan, int stageIndex, DateTimeOffset now)
    {
        var stage = plan.Stages[stageIndex];
        return stage.Tasks.Select(task => Command(runId, plan, stage, task, attempt: 1, now)).ToList();
    }

    /// <summary>The command that runs one attempt of a task.</summary>
    public static RunTaskCommand Command(Guid runId, RunPlan plan, PlanStage stage, PlanTask task, int attempt, DateTimeOffset now)
    {
        RunTaskCommand command = task.Kind switch
        {
            JobKind.Build => new RunBuildTask(),
            JobKind.Deploy => new RunDeployTask(),
            JobKind.Vm => new RunVmTask(),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.Kind, "Unknown job kind"),
        };
        return command with
        {
            RunId = runId,
            TaskId = task.TaskId,
            TaskName = task.Name,
            StageIndex = stage.Index,
            Attempt = attempt,
            JobName = task.JobName,
            Mode = plan.Mode,
            Params = task.Params,
            Container = task.Container,
            InitContainers = task.InitContainers,
            BackoffLimit = task.BackoffLimit,
            NonRetryableExitCodes = task.NonRetryableExitCodes,
            TimeoutSeconds = task.TimeoutSeconds,
            Target = task.Target,
            PodTemplate = task.PodTemplate,
            DispatchedAt = now,
        };
    }

    /// <summary>The event that announces a run and its plan.</summary>
    public static PipelineRunStarted Started(Guid runId, RunPlan plan, RunRequest request, DateTimeOffset now) => new()
    {
        RunId = runId,
        PipelineName = plan.PipelineName,
        IdempotencyKey = request.IdempotencyKey,
        TriggeredBy = request.TriggeredBy,
        Trigger = request.Trigger,
        Mode = plan.Mode,
        StartedAt = now,
        Stages = plan.Stages.Select(stage => new PlannedStage
        {
            Index = stage.Index,
            Name = stage.Name,
            Tasks = stage.Tasks.Select(t => new PlannedTask
            {
                TaskId = t.TaskId, Name = t.Name, Kind = t.Kind, JobName = t.JobName, Target = t.Target, AllowFailure = t.AllowFailure, Retries = t.Retries, RetryBackoff = t.RetryBackoff,
            }).ToList(),
            Finally = stage.Finally,
        }).ToList(),
    };
}
