using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// The plan's part of <c>when</c> and <c>allowFailure</c>: conditions get the run's params filled in
/// when the run starts (a param nobody gives is refused then, naming the field); earlier tasks'
/// outputs are left for dispatch (<see cref="RunDispatcher"/>).
/// </summary>
public static class RunFlow
{
    /// <summary>The task's plan with its conditions and allowFailure.</summary>
    public static PlanTask Plan(PlanTask planned, RunRequest request, string stagePath, StageDocument stage, int taskIndex, TaskDocument task, ValidationErrors errors)
    {
        var values = Values(request, stage, task);
        var sensitive = planned.SecretParams.Keys.ToHashSet(StringComparer.Ordinal);
        return planned with
        {
            When = WhenExpressions.Plan(errors, $"{stagePath}.tasks[{taskIndex}].when", task.When, values, sensitive),
            AllowFailure = task.AllowFailure == true,
        };
    }

    /// <summary>The stage's conditions with params filled in; none may test a name in <paramref name="sensitive"/>.</summary>
    public static IReadOnlyList<PlanCondition> StageConditions(RunRequest request, string stagePath, StageDocument stage, ValidationErrors errors, IReadOnlySet<string> sensitive) =>
        WhenExpressions.Plan(errors, $"{stagePath}.when", stage.When, Values(request, stage, null), sensitive);

    // What $(params.NAME) means in a condition: the pipeline's, stage's, task's and run's values, in that precedence.
    static Dictionary<string, string> Values(RunRequest request, StageDocument stage, TaskDocument? task)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { request.Pipeline.Params, stage.Params, task?.Params, request.Params })
        {
            foreach (var (name, value) in source ?? new Dictionary<string, string>())
                values[name] = value;
        }

        return values;
    }
}
