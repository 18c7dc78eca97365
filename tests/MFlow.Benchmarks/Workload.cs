using System.Text.Json;
using MFlow.Contracts;

namespace MFlow.Benchmarks;

/// <summary>
/// The pipeline every run executes: <see cref="Stages"/> stages of <see cref="TasksPerStage"/> inline
/// tasks, each with a container (what the fake Kubernetes runs does not matter: it completes every
/// pod at once). Kinds are mixed 4:3:3 build, deploy, vm per stage unless one kind is asked for, so
/// all three workers take part.
/// </summary>
public sealed class Workload(int stages, int tasksPerStage, JobKind? kind)
{
    /// <summary>Stages per run.</summary>
    public int Stages { get; } = stages;

    /// <summary>Parallel tasks per stage.</summary>
    public int TasksPerStage { get; } = tasksPerStage;

    /// <summary>Tasks per run.</summary>
    public int TasksPerRun => Stages * TasksPerStage;

    /// <summary>The job kind of a task by its position in its stage.</summary>
    public JobKind KindOf(int taskIndex) => kind ?? (taskIndex * 10 / TasksPerStage) switch
    {
        < 4 => JobKind.Build,
        < 7 => JobKind.Deploy,
        _ => JobKind.Vm,
    };

    /// <summary>How the kinds are mixed, for the report.</summary>
    public string KindDescription
    {
        get
        {
            var counts = Enumerable.Range(0, TasksPerStage).GroupBy(KindOf).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}");
            return kind is null ? $"mixed per stage: {string.Join(", ", counts)}" : $"all {kind.ToString()!.ToLowerInvariant()}";
        }
    }

    /// <summary>The pipeline document (JSON, which the scheduler reads like YAML).</summary>
    public string Document() => JsonSerializer.Serialize(new
    {
        name = "bench",
        stages = Enumerable.Range(0, Stages).Select(s => new
        {
            name = $"stage-{s}",
            tasks = Enumerable.Range(0, TasksPerStage).Select(t => new
            {
                name = $"s{s}-t{t}",
                kind = KindOf(t).ToString().ToLowerInvariant(),
                container = new { image = "busybox:1.36", command = new[] { "sh", "-c", "echo done; printf 'RESULT=ok\\0' > \"$_OUTPUT_FILE\"" } },
            }),
        }),
    });
}
