using MassTransit;
using MFlow.Contracts;

namespace MFlow.Standalone.Console;

/// <summary>Subscribes to run events on the in-memory bus, as any event subscriber would on RabbitMQ.</summary>
public sealed class ProgressConsumer(ProgressPrinter printer, RunWatcher watcher) :
    IConsumer<PipelineRunStarted>,
    IConsumer<TaskUpdated>,
    IConsumer<StageCompleted>,
    IConsumer<PipelineRunSucceeded>,
    IConsumer<PipelineRunFailed>,
    IConsumer<PipelineRunCancelled>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunStarted> context)
    {
        printer.RunStarted(context.Message);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Consume(ConsumeContext<TaskUpdated> context)
    {
        printer.TaskUpdated(context.Message);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Consume(ConsumeContext<StageCompleted> context)
    {
        printer.StageCompleted(context.Message);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunSucceeded> context) => Ended(context.Message.RunId, "Succeeded");

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunFailed> context) => Ended(context.Message.RunId, "Failed");

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunCancelled> context) => Ended(context.Message.RunId, "Cancelled");

    Task Ended(Guid runId, string outcome)
    {
        printer.RunEnded(runId, outcome);
        watcher.Ended(runId, outcome);
        return Task.CompletedTask;
    }
}
