using MFlow.Scheduler.Api;

namespace MFlow.IntegrationTests.Support;

/// <summary>Reading runs as a user reads them.</summary>
public static class Runs
{
    /// <summary>Whether a run state is final.</summary>
    public static bool IsFinal(string state) => state is "Succeeded" or "Failed" or "Cancelled" or "Rejected";

    /// <summary>The run with a one-line summary, which timeouts print.</summary>
    public static DescribedRun Describe(RunView run) => new(run);

    /// <summary>A task of the run by name.</summary>
    public static TaskView Task(this RunView run, string name) =>
        run.Stages.SelectMany(stage => stage.Tasks).SingleOrDefault(task => task.Name == name)
        ?? throw new InvalidOperationException($"Run {run.Id} has no task '{name}': {Summary(run)}");

    /// <summary>A stage of the run by name.</summary>
    public static StageView Stage(this RunView run, string name) =>
        run.Stages.SingleOrDefault(stage => stage.Name == name)
        ?? throw new InvalidOperationException($"Run {run.Id} has no stage '{name}': {Summary(run)}");

    /// <summary>"Failed: build=Failed[compile=Failed(3)] deploy=Waiting[ship=Waiting]".</summary>
    public static string Summary(RunView run) =>
        $"{run.State}: " + string.Join(' ', run.Stages.Select(stage =>
            $"{stage.Name}={stage.State}[{string.Join(',', stage.Tasks.Select(task => $"{task.Name}={task.State}{(task.ExitCode is { } code ? $"({code})" : "")}"))}]"));
}

/// <summary>A run and its summary (records print all members; this prints what matters).</summary>
/// <param name="View">The run.</param>
public sealed record DescribedRun(RunView View)
{
    /// <summary>The run's state.</summary>
    public string State => View.State;

    /// <inheritdoc />
    public override string ToString() => Runs.Summary(View);
}
