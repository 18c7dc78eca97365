using MassTransit;
using MFlow.Contracts;

namespace MFlow.Aggregator.Consumers;

/// <summary>
/// <see cref="CancelPipelineRun"/> as plain JSON from a system without MassTransit, on its own queue
/// (<see cref="PlainJsonQueues.CancelPipelineRun"/>); handled exactly as the envelope form is.
/// </summary>
public sealed class PlainCancelPipelineRunConsumer(CancelPipelineRunConsumer consumer) : IConsumer<CancelPipelineRun>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<CancelPipelineRun> context) => consumer.Consume(context);
}
