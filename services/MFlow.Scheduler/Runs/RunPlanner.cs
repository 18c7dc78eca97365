using MFlow.Contracts;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Turns a validated pipeline, the stored jobs it uses (resolved to exact versions) and a run's
/// values into the run's plan: the snapshot the run keeps, so a later publish never changes it.
/// </summary>
public static class RunPlanner
{
    /// <summary>Default deadline of a task attempt.</summary>
    public const int DefaultTimeoutSeconds = 3600;

    /// <summary>Plans a pipeline of inline tasks only.</summary>
    public static RunPlan Plan(Guid runId, RunRequest request) =>
        Plan(runId, request, new Dictionary<string, ResolvedJob>(), new HashSet<string>(), value => value);

    /// <summary>
    /// Builds the plan. The pipeline must have passed <see cref="PipelineValidator"/>; every job it
    /// names must be in <paramref name="jobs"/>. <paramref name="protect"/> encrypts sensitive values.
    /// </summary>
    /// <exception cref="PipelineValidationException">A param is missing, invalid, read-only, or names an unregistered cluster; or the plan is over its <see cref="PlanBudget"/>.</exception>
    public static RunPlan Plan(Guid runId, RunRequest request, IReadOnlyDictionary<string, ResolvedJob> jobs, IReadOnlySet<string> clusters, Func<string, string> protect, long? budgetChars = null)
    {
        var pipeline = request.Pipeline;
        var errors = new ValidationErrors();
        var stages = new List<PlanStage>();
        var budget = new PlanBudget(budgetChars ?? PlanBudget.DefaultLimitChars);
        var tasksTotal = pipeline.AllStages().Sum(s => s.Stage?.Tasks?.Count ?? 0);
        var tasksPlanned = 0;
        int? finallyStage = null;
        // Names some task treats as sensitive: a stage's condition or the concurrency group may not use
        // them, since both are kept (and shown) in the clear.
        var sensitive = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stagePath, stageDocument, isFinally) in pipeline.AllStages())
        {
            var stage = stageDocument!;
            if (isFinally)
                finallyStage ??= stages.Count;
            var tasks = new List<PlanTask>();
            for (var t = 0; t < stage.Tasks!.Count; t++)
            {
                var planned = PlanTask(runId, request, stagePath, stage, t, stage.Tasks[t]!, jobs, clusters, protect, errors, budget);
                sensitive.UnionWith(planned.SecretParams.Keys);
                tasks.Add(RunFlow.Plan(planned, request, stagePath, stage, t, stage.Tasks[t]!, errors));
                tasksPlanned++;
                if (budget.Exceeded)
                {
                    // Stop here: planning the rest would only cost more time and memory.
                    errors.Add("plan", budget.Describe(tasksPlanned, tasksTotal));
                    errors.ThrowIfAny();
                }
            }

            // A sequential stage runs as consecutive stages of one task each.
            var when = RunFlow.StageConditions(request, stagePath, stage, errors, sensitive);
            if (stage.Parallel == false && tasks.Count > 1)
            {
                for (var i = 0; i < tasks.Count; i++)
                    stages.Add(new PlanStage { Index = stages.Count, Name = $"{stage.Name} [{i + 1}/{tasks.Count}]", Tasks = [tasks[i]], Finally = isFinally, When = when });
            }
            else
            {
                stages.Add(new PlanStage { Index = stages.Count, Name = stage.Name!, Tasks = tasks, Finally = isFinally, When = when });
            }
        }

        errors.ThrowIfAny();
        return Control.RunControlPlanner.Apply(new RunPlan { PipelineName = pipeline.Name!, Mode = request.Mode, Stages = stages, FinallyStage = finallyStage }, request, sensitive);
    }

    /// <summary>A task's id: the same run and task name always give the same id.</summary>
    public static Guid TaskId(Guid runId, string taskName) => DeterministicGuid.Create(runId, "task:" + taskName);

    static PlanTask PlanTask(
        Guid runId, RunRequest request, string stagePath, StageDocument stage, int taskIndex, TaskDocument task,
        IReadOnlyDictionary<string, ResolvedJob> jobs, IReadOnlySet<string> clusters, Func<string, string> protect, ValidationErrors errors, PlanBudget budget)
    {
        var pipeline = request.Pipeline;
        var taskPath = $"{stagePath}.tasks[{taskIndex}]";
        if (task.Job is not null && jobs.TryGetValue(task.Job, out var job))
        {
            if (task.Kind is not null && PipelineValidator.TryParseKind(task.Kind, out var declared) && declared != job.Kind)
                errors.Add($"{taskPath}.kind", $"Task '{task.Name}' says kind {task.Kind} but job {job.Name} is a {job.Kind.ToString().ToLowerInvariant()} job.");

            var layers = new List<ParamResolver.Layer>
            {
                new("pipeline", "params", pipeline.Params),
                new("stage", $"{stagePath}.params", stage.Params),
                new("task", $"{taskPath}.params", WithTaskFields(task), TaskLevel: true),
                new("run", "params", request.Params),
                new("trigger", "trigger", request.OfferedParams, Offered: true),
            };
            var resolved = ParamResolver.Resolve(job, task.Name!, request.Mode, layers, clusters, errors, taskPath);
            var template = job.Document.Template;
            // Counted before anything is encrypted: encryption would be the costly part of an oversized plan.
            if (!budget.Add(resolved.Env.Concat(resolved.Template).Concat(resolved.Secret), PlanBudget.Size(template) + (resolved.Kubeconfig?.Length ?? 0)))
                return new PlanTask { Name = task.Name! };
            return new PlanTask
            {
                TaskId = TaskId(runId, task.Name!),
                Name = task.Name!,
                Kind = job.Kind,
                JobName = job.Name.ToString(),
                JobId = job.Id,
                Params = resolved.Env,
                TemplateParams = resolved.Template,
                SecretParams = resolved.Secret.ToDictionary(e => e.Key, e => protect(e.Value)),
                ProtectedKubeconfig = resolved.Kubeconfig is null ? null : protect(resolved.Kubeconfig),
                Template = template,
                Retries = task.Retries ?? template?.Retries ?? 0,
                RetryBackoff = task.RetryBackoff?.ToBackoff(),
                NonRetryableExitCodes = job.Document.NonRetryableExitCodes ?? [],
                TimeoutSeconds = task.TimeoutSeconds ?? template?.TimeoutSeconds ?? DefaultTimeoutSeconds,
                Target = new KubernetesTarget { Namespace = resolved.Namespace, ClusterId = resolved.Cluster, InlineKubeconfig = resolved.Kubeconfig is not null },
                PodTemplate = PlannedPod(PodTemplates.Merge(PodTemplates.From(job.Document.PodTemplate), PodTemplates.From(task.PodTemplate)), taskPath, errors),
            };
        }

        PipelineValidator.TryParseKind(task.Kind, out var kind);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        var builtinParams = task.Container is null ? ProcessControllingNames.BuiltinKindParams.GetValueOrDefault(kind) : null;
        foreach (var (source, path) in new[] { (pipeline.Params, "params"), (stage.Params, $"{stagePath}.params"), (task.Params, $"{taskPath}.params"), (request.Params, "params") })
        {
            foreach (var (name, value) in source ?? new Dictionary<string, string>())
            {
                // A task without a container runs its kind's built-in Job, which reads its own inputs
                // (GIT_URL...); anything else that would steer a process is refused, as for a stored job.
                if (ProcessControllingNames.Contains(name) && builtinParams?.Contains(name) != true)
                {
                    errors.Add($"{path}.{name}", task.Container is null
                        ? $"{ProcessControllingNames.Why(name)}; the built-in {kind.ToString().ToLowerInvariant()} Job does not take it, so it cannot be set."
                        : $"{ProcessControllingNames.Why(name)}, so it cannot be set as a param; a task's own container may set it in its 'env'.");
                    continue;
                }

                merged[name] = value;
            }
        }

        // What a trigger offers reaches an inline task wherever a param of that name would be accepted, and is dropped elsewhere.
        foreach (var (name, value) in request.OfferedParams)
        {
            if (!ProcessControllingNames.Contains(name) || builtinParams?.Contains(name) == true)
                merged[name] = value;
        }

        var container = task.Container is null ? null : ToSpec(task.Container, "main");
        var initContainers = (task.InitContainers ?? []).Select((c, i) => ToSpec(c!, $"init-{i + 1}")).ToList();
        if (!budget.Add(merged, PlanBudget.Size(container) + initContainers.Sum(PlanBudget.Size)))
            return new PlanTask { Name = task.Name! };

        if (task.Cluster is not null && !clusters.Contains(task.Cluster))
            errors.Add($"{taskPath}.cluster", $"Task '{task.Name}': cluster '{task.Cluster}' is not registered (see /api/v1/clusters).");

        return new PlanTask
        {
            TaskId = TaskId(runId, task.Name!),
            Name = task.Name!,
            Kind = kind,
            JobName = kind.ToString().ToLowerInvariant(),
            Params = merged,
            Container = container,
            InitContainers = initContainers,
            Retries = task.Retries ?? 0,
            RetryBackoff = task.RetryBackoff?.ToBackoff(),
            TimeoutSeconds = task.TimeoutSeconds ?? DefaultTimeoutSeconds,
            Target = new KubernetesTarget { Namespace = task.Namespace, ClusterId = task.Cluster },
            PodTemplate = PodTemplates.From(task.PodTemplate),
        };
    }

    // Each template was valid on its own; together they may not be (the job's limit under the task's request).
    static PodTemplate? PlannedPod(PodTemplate? merged, string taskPath, ValidationErrors errors)
    {
        if (merged is not null)
            PodTemplates.Check(errors, $"{taskPath}.podTemplate", merged);
        return merged;
    }

    // A task's namespace and cluster fields are its runner params, written the short way.
    static Dictionary<string, string> WithTaskFields(TaskDocument task)
    {
        var values = new Dictionary<string, string>(task.Params ?? [], StringComparer.Ordinal);
        if (task.Namespace is not null)
            values["NAMESPACE"] = task.Namespace;
        if (task.Cluster is not null)
            values["CLUSTER"] = task.Cluster;
        return values;
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
