using MFlow.Contracts;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Runs;

/// <summary>Why a task is skipped instead of dispatched.</summary>
/// <param name="Reason">The short reason its TaskUpdated carries.</param>
/// <param name="Message">What a person reads.</param>
public sealed record SkipDecision(string Reason, string Message)
{
    /// <summary>The stage's or the task's <c>when</c> conditions do not hold.</summary>
    public const string WhenConditionsNotMet = "WhenConditionsNotMet";

    /// <summary>The task uses an output of a task that was skipped or did not run (or, in a finally stage, any output that is missing).</summary>
    public const string OutputsUnavailable = "OutputsUnavailable";

    /// <summary>
    /// Decides, as Tekton does, whether a task runs: it is skipped when it uses an output of a task
    /// that was skipped or never ran (absent from <paramref name="outputs"/>, which holds every task
    /// that ended: see the aggregator's StageCompleted), when its stage's conditions or its own do not
    /// hold. In a finally stage an output that is missing for any reason skips the task, since the
    /// main stages may have failed before writing it. Null: dispatch it.
    /// </summary>
    public static SkipDecision? For(RunPlan plan, PlanStage stage, PlanTask task, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> outputs)
    {
        var uses = OutputReferences.In(task.Params.Values.Concat(task.TemplateParams.Values))
            .Select(r => r.Task)
            .Concat(WhenExpressions.OutputTasks(stage.When.Concat(task.When)));
        var earlier = plan.Stages.Where(s => s.Index < stage.Index).SelectMany(s => s.Tasks).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        if (uses.FirstOrDefault(name => earlier.Contains(name) && !outputs.ContainsKey(name)) is { } notRun)
            return new(OutputsUnavailable, $"Skipped: it uses outputs of task '{notRun}', which was skipped or did not run.");
        if (stage.Finally)
        {
            var missing = OutputReferences.In(task.Params.Values.Concat(task.TemplateParams.Values))
                .FirstOrDefault(r => !(outputs.GetValueOrDefault(r.Task)?.ContainsKey(r.Output) ?? false));
            if (missing is not null)
                return new(OutputsUnavailable, $"Skipped: {missing.Text} has no value (a finally task runs only with the outputs it uses).");
        }

        if (WhenExpressions.Unmet(stage.When, outputs, out var stageMissing) is { } stageUnmet)
            return new(WhenConditionsNotMet, $"Skipped with its stage '{stage.Name}': {stageUnmet}.");
        if (stageMissing is not null)
            return new(OutputsUnavailable, $"Skipped with its stage '{stage.Name}': its condition uses {stageMissing}, which has no value.");
        if (WhenExpressions.Unmet(task.When, outputs, out var taskMissing) is { } taskUnmet)
            return new(WhenConditionsNotMet, $"Skipped: {taskUnmet}.");
        if (taskMissing is not null)
            return new(OutputsUnavailable, $"Skipped: its condition uses {taskMissing}, which has no value.");
        return null;
    }

    /// <summary>The update that ends a skipped task; the aggregator counts it as ended, not failed.</summary>
    public static TaskUpdated Update(Guid runId, PlanTask task, SkipDecision skip, DateTimeOffset now) => new()
    {
        RunId = runId,
        TaskId = task.TaskId,
        TaskName = task.Name,
        Kind = task.Kind,
        Attempt = 1,
        Sequence = TaskSequence.Of(1, TaskState.Skipped),
        State = TaskState.Skipped,
        Timestamp = now,
        FinishedAt = now,
        Reason = skip.Reason,
        Message = skip.Message,
        Worker = "scheduler",
    };
}
