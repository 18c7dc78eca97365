using System.Text.Json;
using MFlow.Contracts;
using MFlow.Kubernetes.Fake;
using MFlow.ServiceDefaults;

namespace MFlow.IntegrationTests.Faults;

/// <summary>A task of a fault-test pipeline, and how the fake API server runs its pods.</summary>
/// <param name="Name">The task's name, unique across the fault tests (the fake API server scripts pods by it).</param>
/// <param name="Kind">Which worker runs it.</param>
/// <param name="StageIndex">Its stage.</param>
/// <param name="ExitCode">The exit code of every pod of its Job: 0 succeeds, anything else fails it on purpose.</param>
/// <param name="Retries">The task's retries: a failing task fails in this many more attempts, each its own Job (1 s apart).</param>
/// <param name="Script">How each of its pods runs.</param>
public sealed record FaultTask(string Name, JobKind Kind, int StageIndex, int ExitCode, int Retries, PodScript Script)
{
    /// <summary>Whether the task is scripted to fail.</summary>
    public bool Fails => ExitCode != 0;

    /// <summary>The task's final state as the API shows it, once dispatched.</summary>
    public string ExpectedState => Fails ? "Failed" : "Succeeded";

    /// <summary>The output a succeeding pod leaves in its termination message.</summary>
    public string Result => Name;

    /// <summary>How many attempts it makes once dispatched: a failing task retries until its retries are spent.</summary>
    public int Attempts => Fails ? Retries + 1 : 1;
}

/// <summary>A pipeline of the fault tests: stages of parallel tasks of every kind, some scripted to fail.</summary>
/// <param name="Name">The pipeline's name.</param>
/// <param name="IdempotencyKey">Sent with the run request, so a request retried after a lost answer maps to the same run.</param>
/// <param name="Stages">The tasks of each stage.</param>
public sealed record FaultPipeline(string Name, string IdempotencyKey, IReadOnlyList<IReadOnlyList<FaultTask>> Stages)
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>The run's id, which the scheduler derives from the idempotency key.</summary>
    public Guid RunId => DeterministicGuid.Create(DeterministicGuid.RunNamespace, IdempotencyKey);

    /// <summary>The first stage with a task scripted to fail (the run fails there; later stages never run), or null.</summary>
    public int? FailingStage =>
        Stages.Select((tasks, index) => (tasks, index)).Where(stage => stage.tasks.Any(task => task.Fails)).Select(stage => (int?)stage.index).FirstOrDefault();

    /// <summary>The run's correct final state.</summary>
    public string ExpectedState => FailingStage is null ? "Succeeded" : "Failed";

    /// <summary>Every task, stage by stage.</summary>
    public IEnumerable<FaultTask> Tasks => Stages.SelectMany(stage => stage);

    /// <summary>Whether the task's stage is ever dispatched: it is not after a failed stage.</summary>
    public bool IsDispatched(FaultTask task) => task.StageIndex <= (FailingStage ?? int.MaxValue);

    /// <summary>A stage's correct final state as the API shows it.</summary>
    public string ExpectedStageState(int stageIndex) =>
        stageIndex < (FailingStage ?? int.MaxValue) ? "Succeeded" : stageIndex == FailingStage ? "Failed" : "Waiting";

    /// <summary>The pipeline document (JSON, which the API reads like YAML).</summary>
    public string Document() => JsonSerializer.Serialize(
        new
        {
            name = Name,
            stages = Stages.Select((tasks, index) => new
            {
                name = $"stage-{index}",
                tasks = tasks.Select(task => new
                {
                    name = task.Name,
                    kind = task.Kind.ToString().ToLowerInvariant(),
                    retries = task.Retries,
                    retryBackoff = new { delay = "1s" },
                    container = new { image = "alpine:3.20", command = new[] { "sh", "-c", task.Fails ? $"exit {task.ExitCode}" : "true" } },
                }),
            }),
        },
        _json);

    /// <summary>
    /// Twenty (or <paramref name="count"/>) pipelines of three or four stages of one to three parallel
    /// tasks of random kinds; six of them fail on purpose (one task in a random stage exits non-zero, some
    /// after a retry). Every pod runs for 100 to 500 ms, so runs are in flight long enough to be hit.
    /// </summary>
    public static IReadOnlyList<FaultPipeline> Generate(string tag, int seed, Random random, int count)
    {
        var failing = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(count * 3 / 10).ToHashSet();
        var pipelines = new List<FaultPipeline>();
        for (var index = 0; index < count; index++)
        {
            var stageCount = random.Next(3, 5);
            var (failingStage, failingTask) = failing.Contains(index) ? (random.Next(stageCount), random.Next(3)) : (-1, -1);
            var stages = new List<IReadOnlyList<FaultTask>>();
            for (var stage = 0; stage < stageCount; stage++)
            {
                var taskCount = random.Next(1, 4);
                var tasks = new List<FaultTask>();
                for (var position = 0; position < taskCount; position++)
                {
                    // Every kind in every pipeline's first stage, in turn; random kinds after that.
                    var kind = stage == 0 && position == 0 ? (JobKind)(index % 3) : (JobKind)random.Next(3);
                    var fails = stage == failingStage && position == Math.Min(failingTask, taskCount - 1);
                    var exitCode = fails ? random.Next(1, 5) : 0;
                    var retries = fails ? random.Next(2) : 0;
                    var name = $"{tag}-p{index:00}-s{stage}-t{position}";
                    var script = new PodScript(
                        exitCode,
                        Log: $"{name} ran\n",
                        TerminationMessage: fails ? null : $"RESULT={name}\0",
                        RunningDelay: TimeSpan.FromMilliseconds(random.Next(0, 100)),
                        CompletionDelay: TimeSpan.FromMilliseconds(random.Next(100, 500)));
                    tasks.Add(new FaultTask(name, kind, stage, exitCode, retries, script));
                }

                stages.Add(tasks);
            }

            pipelines.Add(new FaultPipeline($"{tag}-{index:00}", $"faults-{tag}-{seed}-{index:00}", stages));
        }

        return pipelines;
    }

    /// <summary>One task of each kind, succeeding: run after the faults, it proves every worker still works.</summary>
    public static FaultPipeline Fence(string tag, int seed) => new(
        $"{tag}-fence",
        $"faults-{tag}-{seed}-fence",
        [
            new[] { JobKind.Build, JobKind.Deploy, JobKind.Vm }
                .Select((kind, position) => new FaultTask($"{tag}-fence-t{position}", kind, 0, 0, 0, new PodScript(0, "fence\n", $"RESULT={tag}-fence-t{position}\0")))
                .ToList(),
        ]);
}
