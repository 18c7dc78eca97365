using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;
using MFlow.Persistence;

namespace MFlow.Aggregator.Consumers;

/// <summary>Tells a restarted worker which task attempts already have their outcome recorded.</summary>
public sealed class GetTaskOutcomesConsumer(Database database) : IConsumer<GetTaskOutcomes>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<GetTaskOutcomes> context)
    {
        var asked = context.Message.Tasks;
        await using var connection = await database.OpenAsync(context.CancellationToken);
        var reported = (await RunRows.AttemptsOfAsync(connection, asked.Select(t => t.TaskId).Distinct().ToList(), context.CancellationToken))
            .ToLookup(a => a.TaskId);
        // An attempt's outcome is recorded once it ended, and no longer matters once a later one began.
        var recorded = asked.Where(t => reported[t.TaskId].Any(a => a.Attempt > t.Attempt || (a.Attempt == t.Attempt && a.Ended))).ToList();
        await context.RespondAsync(new TaskOutcomes { Recorded = recorded });
    }
}
