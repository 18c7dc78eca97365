using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;

namespace MFlow.Aggregator.Consumers;

/// <summary>The scheduler accepted a run: its plan.</summary>
public sealed class PipelineRunStartedConsumer(RunTracker tracker) : IConsumer<PipelineRunStarted>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunStarted> context) => tracker.ApplyPlanAsync(context.Message, context.CancellationToken);
}
