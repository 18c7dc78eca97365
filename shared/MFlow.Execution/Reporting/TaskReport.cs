using MFlow.Contracts;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Execution.Reporting;

/// <summary>Which task an update is about.</summary>
public sealed record TaskRef(Guid RunId, Guid TaskId, string TaskName, JobKind Kind, int Attempt)
{
    /// <summary>The span the task was launched in (W3C traceparent): its reports continue that trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The task a command runs, launched in the current span.</summary>
    public static TaskRef Of(RunTaskCommand command) =>
        new(command.RunId, command.TaskId, command.TaskName, command.Kind, command.Attempt) { TraceParent = MFlowTelemetry.CurrentTraceParent };
}

/// <summary>What a worker observed about a task.</summary>
public sealed record TaskReport(TaskState State)
{
    /// <summary>When the task started running.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Exit code of the main container.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Short machine-readable reason.</summary>
    public string? Reason { get; init; }

    /// <summary>Human-readable message.</summary>
    public string? Message { get; init; }

    /// <summary>Last lines of output.</summary>
    public string? LogTail { get; init; }

    /// <summary>A finished attempt's whole log, for its terminal report (see <see cref="TaskUpdated.Log"/>).</summary>
    public string? Log { get; init; }

    /// <summary>True when <see cref="Log"/> is the end of a longer log.</summary>
    public bool LogTruncated { get; init; }

    /// <summary>Named outputs.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();
}
