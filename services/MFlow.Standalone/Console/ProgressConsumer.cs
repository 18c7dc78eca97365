using MassTransit;
using MFlow.Contracts;

namespace MFlow.Standalone.Console;

/// <summary>Subscribes to run events on the in-memory bus, as any event subscriber would on RabbitMQ.</summary>
public sealed class ProgressConsumer(ProgressPrinter printer, RunWatcher watcher, GateDecisions decisions, Scheduler.Control.RunControl control) :
    IConsumer<PipelineRunStarted>,
    IConsumer<PipelineRunWaitingForApproval>,
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
    public async Task Consume(ConsumeContext<PipelineRunWaitingForApproval> context)
    {
        var waiting = context.Message;
        printer.WaitingForApproval(waiting, decisions.Approve);
        if (decisions.Approve)
        {
            await control.DecideAsync(waiting.RunId, waiting.StageIndex, approve: true,
                new Scheduler.Control.Approver($"{decisions.User} (mflow run --approve)", null, IsSystem: true), "approved with mflow run --approve", context.CancellationToken);
        }
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

/// <summary>What <c>mflow run</c> does at an approval gate: approve it at once (<c>--approve</c>) or let its timeout decide.</summary>
/// <param name="Approve">True with --approve.</param>
/// <param name="User">Who runs the command, recorded as the approver.</param>
public sealed record GateDecisions(bool Approve, string User);
