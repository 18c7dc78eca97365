using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;

namespace MFlow.Aggregator.Consumers;

/// <summary>A timer expired or an approver rejected the run: it stops like a cancellation and ends Failed or Rejected.</summary>
public sealed class StopPipelineRunConsumer(RunTracker tracker) : IConsumer<StopPipelineRun>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<StopPipelineRun> context) => tracker.RequestStopAsync(context.Message, context.CancellationToken);
}

/// <summary>StopPipelineRun on the aggregator's queue.</summary>
public sealed class StopPipelineRunConsumerDefinition()
    : RunMessageDefinition<StopPipelineRunConsumer, StopPipelineRun>(m => [("runId", m.RunId)]);
