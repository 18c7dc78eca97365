namespace MFlow.Contracts;

/// <summary>A task that failed, as a run's failure names it.</summary>
public sealed record TaskFailure
{
    /// <summary>The task.</summary>
    public Guid TaskId { get; init; }

    /// <summary>The task's name.</summary>
    public string TaskName { get; init; } = "";

    /// <summary>Its exit code, when it ran far enough to have one.</summary>
    public int? ExitCode { get; init; }

    /// <summary>A short reason (Error, BackoffLimitExceeded, DeadlineExceeded, ...).</summary>
    public string? Reason { get; init; }

    /// <summary>What a person should read.</summary>
    public string? Message { get; init; }
}
