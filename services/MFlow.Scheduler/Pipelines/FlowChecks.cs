namespace MFlow.Scheduler.Pipelines;

/// <summary>Checks a stage's and its tasks' <c>when</c> conditions (see <see cref="WhenExpressions"/>).</summary>
public static class FlowChecks
{
    /// <summary>Adds an error for every malformed condition of the stage at <paramref name="path"/> and of its tasks.</summary>
    public static void Check(ValidationErrors errors, string path, StageDocument? stage, IReadOnlySet<string> earlierTasks)
    {
        if (stage is null)
            return;
        WhenExpressions.Check(errors, $"{path}.when", stage.When, earlierTasks);
        for (var t = 0; t < (stage.Tasks?.Count ?? 0); t++)
        {
            if (stage.Tasks![t] is { } task)
                WhenExpressions.Check(errors, $"{path}.tasks[{t}].when", task.When, earlierTasks);
        }
    }
}
