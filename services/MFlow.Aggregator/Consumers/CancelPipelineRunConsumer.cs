using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;

namespace MFlow.Aggregator.Consumers;

/// <summary>Somebody asked to cancel a run.</summary>
public sealed class CancelPipelineRunConsumer(RunTracker tracker) : IConsumer<CancelPipelineRun>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<CancelPipelineRun> context) => tracker.RequestCancelAsync(context.Message, context.CancellationToken);
}
