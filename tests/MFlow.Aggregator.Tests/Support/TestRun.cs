using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Support;

/// <summary>
/// A three-stage run as the scheduler would plan it (build: compile; test: unit-tests and lint;
/// deploy: deploy-staging), and the TaskUpdated messages its workers would publish.
/// </summary>
public sealed class TestRun
{
    public Guid RunId { get; } = Guid.NewGuid();

    public PipelineRunStarted Started { get; }

    public TestRun()
    {
        Started = new PipelineRunStarted
        {
            RunId = RunId,
            PipelineName = "hello",
            Mode = RunMode.Normal,
            StartedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Stages =
            [
                Stage(0, "build", ("compile", JobKind.Build)),
                Stage(1, "test", ("unit-tests", JobKind.Build), ("lint", JobKind.Build)),
                Stage(2, "deploy", ("deploy-staging", JobKind.Deploy)),
            ],
        };
    }

    public IReadOnlyList<PlannedStage> Stages => Started.Stages;

    public PlannedTask Task(string name) => Started.Stages.SelectMany(s => s.Tasks).Single(t => t.Name == name);

    public Guid TaskId(string name) => Task(name).TaskId;

    public TaskUpdated Running(string task, int attempt = 1) => Update(task, TaskState.Running, attempt) with
    {
        StartedAt = Clock(attempt, 0),
    };

    public TaskUpdated Succeeded(string task, int attempt = 1, IReadOnlyDictionary<string, string>? outputs = null) =>
        Update(task, TaskState.Succeeded, attempt) with
        {
            StartedAt = Clock(attempt, 0),
            FinishedAt = Clock(attempt, 10),
            ExitCode = 0,
            Message = "Completed.",
            LogTail = $"{task} done",
            Outputs = outputs ?? new Dictionary<string, string>(),
        };

    public TaskUpdated Failed(string task, int exitCode, int attempt = 1) => Update(task, TaskState.Failed, attempt) with
    {
        StartedAt = Clock(attempt, 0),
        FinishedAt = Clock(attempt, 10),
        ExitCode = exitCode,
        Reason = "Error",
        Message = $"Container 'main' exited with code {exitCode}.",
        LogTail = "assertion failed: expected 2, got 3",
    };

    public TaskUpdated Cancelled(string task, int attempt = 1) => Update(task, TaskState.Cancelled, attempt) with
    {
        StartedAt = Clock(attempt, 0),
        FinishedAt = Clock(attempt, 5),
        Reason = "Cancelled",
        Message = "The task was cancelled.",
    };

    /// <summary>What every task of every stage reports on the way to success, in the order a run produces them.</summary>
    public IReadOnlyList<TaskUpdated> AllSucceeding() =>
        Stages.SelectMany(stage => stage.Tasks.SelectMany(t => new[] { Running(t.Name), Succeeded(t.Name, outputs: OutputsOf(t.Name)) })).ToList();

    public static IReadOnlyDictionary<string, string> OutputsOf(string task) => new Dictionary<string, string>
    {
        ["RESULT"] = $"{task}-ok",
    };

    TaskUpdated Update(string task, TaskState state, int attempt)
    {
        var planned = Task(task);
        return new TaskUpdated
        {
            RunId = RunId,
            TaskId = planned.TaskId,
            TaskName = planned.Name,
            Kind = planned.Kind,
            Attempt = attempt,
            Sequence = Sequence(attempt, state),
            State = state,
            Timestamp = Clock(attempt, state == TaskState.Running ? 0 : 10),
            Worker = "worker-1",
        };
    }

    // The workers' numbering (MFlow.Execution's TaskSequence): attempt * 10 + 1 pending, 2 running, 3 ended.
    static long Sequence(int attempt, TaskState state) => attempt * 10L + state switch
    {
        TaskState.Pending => 1,
        TaskState.Running => 2,
        _ => 3,
    };

    DateTimeOffset Clock(int attempt, int seconds) => Started.StartedAt.AddMinutes(attempt).AddSeconds(seconds);

    static PlannedStage Stage(int index, string name, params (string Name, JobKind Kind)[] tasks) => new()
    {
        Index = index,
        Name = name,
        Tasks = tasks.Select(t => new PlannedTask
        {
            TaskId = Guid.NewGuid(),
            Name = t.Name,
            Kind = t.Kind,
            JobName = t.Kind.ToString().ToLowerInvariant(),
            Target = new KubernetesTarget { Namespace = "ci" },
        }).ToList(),
    };
}
