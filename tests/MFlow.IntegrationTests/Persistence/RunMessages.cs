using MFlow.Contracts;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>The messages the scheduler and the workers would send about one run, built by the test.</summary>
public sealed class RunMessages
{
    /// <summary>A run of one stage with <paramref name="taskCount"/> build tasks.</summary>
    public RunMessages(int taskCount)
    {
        Tasks = Enumerable.Range(0, taskCount).Select(index => (Id: Guid.NewGuid(), Name: $"task-{index}")).ToList();
        Started = new PipelineRunStarted
        {
            RunId = RunId,
            PipelineName = "contended",
            StartedAt = DateTimeOffset.UtcNow,
            Stages =
            [
                new PlannedStage
                {
                    Index = 0,
                    Name = "all-at-once",
                    Tasks = Tasks.Select(task => new PlannedTask { TaskId = task.Id, Name = task.Name, Kind = JobKind.Build, JobName = "build" }).ToList(),
                },
            ],
        };
    }

    /// <summary>The run.</summary>
    public Guid RunId { get; } = Guid.NewGuid();

    /// <summary>Its tasks.</summary>
    public IReadOnlyList<(Guid Id, string Name)> Tasks { get; }

    /// <summary>The scheduler's announcement with the plan.</summary>
    public PipelineRunStarted Started { get; }

    /// <summary>What a worker reports about task <paramref name="index"/>; a succeeded task's output names the task.</summary>
    public TaskUpdated Update(int index, TaskState state) => new()
    {
        RunId = RunId,
        TaskId = Tasks[index].Id,
        TaskName = Tasks[index].Name,
        Kind = JobKind.Build,
        Attempt = 1,
        Sequence = TaskSequence.Of(1, state),
        State = state,
        Timestamp = DateTimeOffset.UtcNow,
        StartedAt = DateTimeOffset.UtcNow,
        FinishedAt = state == TaskState.Running ? null : DateTimeOffset.UtcNow,
        ExitCode = state == TaskState.Succeeded ? 0 : null,
        Outputs = state == TaskState.Succeeded ? new Dictionary<string, string> { ["TASK"] = Tasks[index].Name } : new Dictionary<string, string>(),
        Worker = "test",
    };
}
