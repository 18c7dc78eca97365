using MassTransit;
using MFlow.Contracts;

namespace MFlow.Execution.Consumers;

/// <summary>Cancels a task of a kind hosted here; CancelTask for other kinds is not this worker's business.</summary>
public sealed class CancelTaskConsumer(TaskExecutors executors) : IConsumer<CancelTask>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<CancelTask> context) =>
        executors.For(context.Message.Kind)?.CancelAsync(context.Message, context.CancellationToken) ?? Task.CompletedTask;
}
