using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;

namespace MFlow.Aggregator.Consumers;

/// <summary>A worker reported a task's progress.</summary>
public sealed class TaskUpdatedConsumer(RunTracker tracker) : IConsumer<TaskUpdated>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<TaskUpdated> context) => tracker.ApplyTaskUpdateAsync(context.Message, context.CancellationToken);
}
