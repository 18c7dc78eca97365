using MassTransit;
using MFlow.Contracts;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Consumers;

/// <summary>Keeps the logs workers capture.</summary>
public sealed class TaskLogCapturedConsumer(TaskLogStore logs) : IConsumer<TaskLogCaptured>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<TaskLogCaptured> context) => logs.SaveAsync(context.Message, context.CancellationToken);
}
