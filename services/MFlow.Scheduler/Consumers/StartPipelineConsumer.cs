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
        try
        {
            var request = ToRequest(message, MessageKey(context));
            var run = message.Pipeline is null && message.PipelineName is { } stored
                ? await submitter.SubmitStoredAsync(stored, request, context.CancellationToken)
                : await submitter.SubmitAsync(request, context.CancellationToken);
            logger.LogInformation("StartPipeline {Key} → run {RunId} ({Outcome})", request.IdempotencyKey, run.RunId, run.Created ? "started" : "already started");
        }
        catch (PipelineValidationException ex)
        {
            throw new PermanentMessageException(ex.Message, ex);
        }
        catch (Control.ConcurrencyLimitException ex)
        {
            throw new PermanentMessageException(ex.Message, ex);
        }
    }

    // The envelope's message id; for a plain message, the AMQP message_id property, which need not be
    // a Guid (MassTransit reads only a Guid into MessageId).
    static string? MessageKey(ConsumeContext context) =>
        context.MessageId?.ToString()
        ?? (context.ReceiveContext.TransportHeaders.TryGetHeader("MessageId", out var id) && id is string text && !string.IsNullOrWhiteSpace(text) ? text : null);

    static RunRequest ToRequest(StartPipeline message, string? messageKey)
    {
        if (string.IsNullOrWhiteSpace(message.Pipeline) && string.IsNullOrWhiteSpace(message.PipelineName))
            throw PipelineValidationException.For("pipeline", "StartPipeline needs a stored pipeline's name (pipelineName) or an inline pipeline document (pipeline).");

        return new RunRequest
        {
            // A stored pipeline's document is read when it is resolved; this placeholder is replaced.
            Pipeline = string.IsNullOrWhiteSpace(message.Pipeline) ? new PipelineDocument() : PipelineDocumentParser.ParsePipeline(message.Pipeline, "pipeline"),
            Params = message.Params ?? new Dictionary<string, string>(),
            // Without a key, the message id makes a redelivered message map to the run it already started.
            IdempotencyKey = message.IdempotencyKey ?? (messageKey is null ? null : $"message:{messageKey}"),
            TriggeredBy = message.TriggeredBy,
            Trigger = message.Trigger,
            Mode = message.Mode,
        };
    }
}
