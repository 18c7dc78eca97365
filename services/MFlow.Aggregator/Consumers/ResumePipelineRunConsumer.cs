using MassTransit;
using MFlow.Aggregator.Runs;
using MFlow.Contracts;

namespace MFlow.Aggregator.Consumers;

/// <summary>Somebody asked to resume a failed or cancelled run.</summary>
public sealed class ResumePipelineRunConsumer(RunTracker tracker) : IConsumer<ResumePipelineRun>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<ResumePipelineRun> context) => tracker.ResumeAsync(context.Message, context.CancellationToken);
}

/// <summary>ResumePipelineRun on the aggregator's queue.</summary>
public sealed class ResumePipelineRunConsumerDefinition()
    : RunMessageDefinition<ResumePipelineRunConsumer, ResumePipelineRun>(m => [("runId", m.RunId)]);
