using MassTransit;
using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Consumers;

/// <summary>Starts a run for an upstream system's <see cref="StartPipeline"/>.</summary>
public sealed class StartPipelineConsumer(RunSubmitter submitter, ILogger<StartPipelineConsumer> logger) : IConsumer<StartPipeline>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<StartPipeline> context)
    {
        var message = context.Message;
        RunRequest request;
        try
        {
            request = ToRequest(message, context.MessageId);
        }
        catch (PipelineValidationException ex)
        {
            throw new PermanentMessageException(ex.Message, ex);
        }

        try
        {
            var run = await submitter.SubmitAsync(request, context.CancellationToken);
            logger.LogInformation("StartPipeline {Key} → run {RunId} ({Outcome})", request.IdempotencyKey, run.RunId, run.Created ? "started" : "already started");
        }
        catch (PipelineValidationException ex)
        {
            throw new PermanentMessageException(ex.Message, ex);
        }
    }

    static RunRequest ToRequest(StartPipeline message, Guid? messageId)
    {
        if (string.IsNullOrWhiteSpace(message.Pipeline))
        {
            throw PipelineValidationException.For(
                string.IsNullOrWhiteSpace(message.PipelineName) ? "pipeline" : "pipelineName",
                string.IsNullOrWhiteSpace(message.PipelineName)
                    ? "StartPipeline needs an inline pipeline document."
                    : "Stored pipelines are not available yet; send the pipeline document inline.");
        }

        return new RunRequest
        {
            Pipeline = PipelineDocumentParser.ParsePipeline(message.Pipeline, "pipeline"),
            Params = message.Params ?? new Dictionary<string, string>(),
            // Without a key, the message id makes a redelivered message map to the run it already started.
            IdempotencyKey = message.IdempotencyKey ?? (messageId is { } id ? $"message:{id}" : null),
            TriggeredBy = message.TriggeredBy,
            Trigger = message.Trigger,
            Mode = message.Mode,
        };
    }
}
