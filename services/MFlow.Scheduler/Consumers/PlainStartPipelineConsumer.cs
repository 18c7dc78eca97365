using MassTransit;
using MFlow.Contracts;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// <see cref="StartPipeline"/> as plain JSON from a system without MassTransit, on its own queue
/// (<see cref="PlainJsonQueues.StartPipeline"/>); handled exactly as the envelope form is.
/// </summary>
public sealed class PlainStartPipelineConsumer(StartPipelineConsumer consumer) : IConsumer<StartPipeline>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<StartPipeline> context) => consumer.Consume(context);
}
