using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Consumers;

/// <summary>Tells a restarted worker which task attempts already have their outcome recorded.</summary>
public sealed class GetTaskOutcomesConsumer(Database database) : IConsumer<GetTaskOutcomes>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<GetTaskOutcomes> context)
    {
        var recorded = new List<TaskAttemptRef>();
        await using var connection = await database.OpenAsync(context.CancellationToken);
        foreach (var run in context.Message.Tasks.GroupBy(t => t.RunId))
        {
            if (await PipelineRunStates.ReadAsync(connection, null, run.Key, context.CancellationToken) is not { } state)
                continue;
            recorded.AddRange(run.Where(t => state.Tasks.TryGetValue(t.TaskId, out var task)
                && (task.Attempt > t.Attempt || (task.Attempt == t.Attempt && task.IsTerminal))));
        }

        await context.RespondAsync(new TaskOutcomes { Recorded = recorded });
    }
}
