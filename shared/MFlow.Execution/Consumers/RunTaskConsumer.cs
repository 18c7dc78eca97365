using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Execution.Consumers;

/// <summary>
/// Consumes one kind's run-task command from that kind's own queue and hands it to the kind's
/// executor. A command that can never run (no ids) is faulted to the error queue at once.
/// </summary>
public sealed class RunTaskConsumer<TCommand>(TaskExecutors executors) : IConsumer<TCommand>
    where TCommand : RunTaskCommand
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<TCommand> context)
    {
        var command = context.Message;
        var problems = Problems(command).ToList();
        if (problems.Count > 0)
            throw new PermanentMessageException($"Invalid {typeof(TCommand).Name}: {string.Join("; ", problems)}.");

        var executor = executors.For(command.Kind)
            ?? throw new PermanentMessageException($"This worker does not run {command.Kind} tasks.");
        // Once per command: a redelivery (after a worker died) would count its wait again.
        if (command.DispatchedAt != default && !context.ReceiveContext.Redelivered && context.GetRetryAttempt() == 0)
            MFlowMetrics.TaskTaken(command.Kind, DateTimeOffset.UtcNow - command.DispatchedAt);

        // The span the task's Job (or process) is created in: the Job's TRACEPARENT and its reports name it.
        using var span = MFlowTelemetry.Source.StartActivity($"task execute {command.Kind.ToString().ToLowerInvariant()}");
        span?.SetTag(MFlowTelemetry.RunIdTag, command.RunId).SetTag(MFlowTelemetry.TaskIdTag, command.TaskId)
            .SetTag("mflow.task.name", command.TaskName).SetTag("mflow.task.attempt", command.Attempt);
        await executor.ExecuteAsync(command, context.CancellationToken);
    }

    static IEnumerable<string> Problems(RunTaskCommand command)
    {
        if (command.RunId == Guid.Empty)
            yield return "runId is missing";
        if (command.TaskId == Guid.Empty)
            yield return "taskId is missing";
        if (string.IsNullOrWhiteSpace(command.TaskName))
            yield return "taskName is missing";
        if (command.Attempt < 1)
            yield return "attempt must be at least 1";
        if (command.BackoffLimit < 0)
            yield return "backoffLimit cannot be negative";
        if (command.TimeoutSeconds < 1)
            yield return "timeoutSeconds must be at least 1";
    }
}
