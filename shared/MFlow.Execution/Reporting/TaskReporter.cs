using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MFlow.Execution.Reporting;

/// <summary>
/// Publishes <see cref="TaskUpdated"/>. A report is the only trace of a task's outcome, so a publish
/// that fails (the broker restarting) is retried for minutes rather than dropped.
/// </summary>
public sealed partial class TaskReporter(IBus bus, IOptions<WorkerOptions> options, ILogger<TaskReporter> logger)
{
    static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(10);

    // A confirmed publish takes milliseconds. One caught on a channel that died with the broker may
    // never complete, its token notwithstanding (BoundedPublish), or it fails with an
    // OperationCanceledException of the transport's own. Either way it is abandoned and tried again.
    static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>This worker instance's name.</summary>
    public string Instance { get; } = options.Value.InstanceId ?? $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Publishes one transition.</summary>
    public async Task ReportAsync(TaskRef task, TaskReport report, CancellationToken cancellationToken)
    {
        var (log, truncated) = report.Log is { Length: > TaskUpdated.MaxLogLength } whole
            ? (whole[^TaskUpdated.MaxLogLength..], true)
            : (report.Log, report.LogTruncated);
        var update = new TaskUpdated
        {
            RunId = task.RunId,
            TaskId = task.TaskId,
            TaskName = task.TaskName,
            Kind = task.Kind,
            Attempt = task.Attempt,
            Sequence = TaskSequence.Of(task.Attempt, report.State),
            State = report.State,
            Timestamp = DateTimeOffset.UtcNow,
            StartedAt = report.StartedAt,
            FinishedAt = report.FinishedAt,
            ExitCode = report.ExitCode,
            Reason = report.Reason,
            Message = report.Message,
            LogTail = report.LogTail,
            Log = log,
            LogTruncated = truncated,
            Outputs = report.Outputs,
            Worker = Instance,
        };

        // Every copy of an attempt's end carries one MessageId, whoever publishes it and however often:
        // a publish retried after a lost confirm, or a restarted worker reporting a finished Job again.
        // A subscriber that drops a MessageId it has seen sees each outcome once.
        var messageId = report.State.IsTerminal()
            ? TerminalMessageId(task.TaskId, update.Sequence, report.State)
            : (Guid?)null;
        await PublishWithRetryAsync(task, update, messageId, report.State, cancellationToken);
        LogReported(logger, task.TaskName, task.TaskId, task.Attempt, report.State, report.ExitCode);
    }

    // Every transition of every task: Debug, since a busy worker reports hundreds a second and the run's
    // events (and the API) are where a task's progress is read; failures to publish stay Warnings.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {Task} ({TaskId}) attempt {Attempt}: {State} (exit code {ExitCode})")]
    private static partial void LogReported(ILogger logger, string task, Guid taskId, int attempt, TaskState state, int? exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the {State} of task {TaskId} failed (attempt {Attempt})")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, TaskState state, Guid taskId, int attempt);

    /// <summary>
    /// The MessageId of a task attempt's terminal TaskUpdated: derived from the task, the update's
    /// sequence (attempt) and the terminal state, so that every copy of that report has the same one
    /// while a Cancelled racing a Succeeded of the same attempt (one sequence) stays another message.
    /// </summary>
    public static Guid TerminalMessageId(Guid taskId, long sequence, TaskState state)
    {
        Span<byte> input = stackalloc byte[28];
        taskId.TryWriteBytes(input);
        BitConverter.TryWriteBytes(input[16..], sequence);
        BitConverter.TryWriteBytes(input[24..], (int)state);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(input, hash);
        // An RFC 9562 version 8 (custom) UUID: version and variant bits set, the rest from the hash.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    async Task PublishWithRetryAsync<T>(TaskRef task, T message, Guid? messageId, TaskState state, CancellationToken cancellationToken)
        where T : class
    {
        // A tracker reports long after the command that launched the task was consumed, maybe in
        // another replica: the report continues the trace the task was launched in.
        using var trace = MFlowTelemetry.ContinueTrace("task report", task.TraceParent);
        trace?.SetTag(MFlowTelemetry.RunIdTag, task.RunId).SetTag(MFlowTelemetry.TaskIdTag, task.TaskId);
        var started = DateTime.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attemptTimeout.CancelAfter(AttemptTimeout);
                var publish = messageId is { } id
                    ? bus.Publish(message, context => context.MessageId = id, attemptTimeout.Token)
                    : bus.Publish(message, attemptTimeout.Token);
                await BoundedPublish.Within(publish, attemptTimeout.Token);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DateTime.UtcNow - started < GiveUpAfter)
            {
                LogPublishFailed(logger, ex, state, task.TaskId, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, attempt))), cancellationToken);
            }
        }
    }
}
