using MassTransit;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Consumers;

/// <summary>
/// Consumes one kind's run-task command from that kind's own queue and hands it to the kind's
/// executor. A command that can never run (no ids) is faulted to the error queue at once. A command
/// that waited its hold for a free slot (MFlow:Kubernetes:MaxRunningJobs) goes back to its queue's tail.
/// </summary>
public sealed partial class RunTaskConsumer<TCommand>(TaskExecutors executors, ILogger<RunTaskConsumer<TCommand>> logger) : IConsumer<TCommand>
    where TCommand : RunTaskCommand
{
    /// <summary>Header of a command sent back to its queue to wait for a slot: how many times it was.</summary>
    public const string RequeuedHeader = "MFlow-Requeued-For-Slot";

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
        var requeued = context.Headers.Get<int>(RequeuedHeader) ?? 0;
        if (command.DispatchedAt != default && !context.ReceiveContext.Redelivered && context.GetRetryAttempt() == 0 && requeued == 0)
            MFlowMetrics.TaskTaken(command.Kind, DateTimeOffset.UtcNow - command.DispatchedAt);

        // The span the task's Job (or process) is created in: the Job's TRACEPARENT and its reports name it.
        using var span = MFlowTelemetry.Source.StartActivity($"task execute {command.Kind.ToString().ToLowerInvariant()}");
        span?.SetTag(MFlowTelemetry.RunIdTag, command.RunId).SetTag(MFlowTelemetry.TaskIdTag, command.TaskId)
            .SetTag("mflow.task.name", command.TaskName).SetTag("mflow.task.attempt", command.Attempt);
        try
        {
            await executor.ExecuteAsync(command, context.CancellationToken);
        }
        catch (JobCapReachedException full)
        {
            // Acknowledged only once the copy is in the broker: the command is never lost, at worst
            // delivered twice (its Job name is deterministic). No scheduler or broker plugin is needed,
            // and no message stays unacknowledged past RabbitMQ's consumer timeout.
            var queue = await context.GetSendEndpoint(context.ReceiveContext.InputAddress);
            await queue.Send(command, send => send.Headers.Set(RequeuedHeader, requeued + 1), context.CancellationToken);
            LogRequeued(logger, command.TaskName, command.Attempt, requeued + 1, full.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} attempt {Attempt} goes back to its queue to wait for a slot (time {Times}): {Reason}")]
    private static partial void LogRequeued(ILogger logger, string task, int attempt, int times, string reason);

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
