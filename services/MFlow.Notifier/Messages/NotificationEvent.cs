namespace MFlow.Notifier.Messages;

/// <summary>
/// The body a generic webhook receives (and what chat messages are written from): one event about
/// one run, with everything a receiver needs to act without calling back. Stored with its delivery,
/// so every try sends the same body.
/// </summary>
public sealed record NotificationEvent
{
    /// <summary>The event (run.started, run.succeeded, run.failed, run.cancelled, run.waiting_for_approval, task.failed, test).</summary>
    public string Event { get; init; } = "";

    /// <summary>This delivery's id, as in X-MFlow-Delivery: the same on every try, so a receiver recognises a duplicate.</summary>
    public Guid DeliveryId { get; init; }

    /// <summary>When the event happened.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>The run; null for a test event.</summary>
    public RunSummary? Run { get; init; }

    /// <summary>The failed task (task.failed).</summary>
    public FailedTaskSummary? Task { get; init; }

    /// <summary>What a test event says.</summary>
    public string? Message { get; init; }
}

/// <summary>A run, as a notification tells it.</summary>
public sealed record RunSummary
{
    /// <summary>The run's id.</summary>
    public Guid Id { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>Running, Succeeded, Failed or Cancelled.</summary>
    public string State { get; init; } = "";

    /// <summary>The key the run was requested with.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>What caused the run.</summary>
    public string? Trigger { get; init; }

    /// <summary>Who asked for it.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>How long it took, in seconds.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Where a person reads it.</summary>
    public string? Url { get; init; }

    /// <summary>The tasks that failed (run.failed).</summary>
    public IReadOnlyList<FailedTaskSummary>? FailedTasks { get; init; }

    /// <summary>Why it was cancelled (run.cancelled).</summary>
    public string? CancelReason { get; init; }

    /// <summary>Who cancelled it (run.cancelled).</summary>
    public string? CancelledBy { get; init; }
}

/// <summary>A failed task, as a notification tells it.</summary>
public sealed record FailedTaskSummary
{
    /// <summary>The task's id.</summary>
    public Guid Id { get; init; }

    /// <summary>The task's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The failed attempt.</summary>
    public int Attempt { get; init; }

    /// <summary>Its exit code.</summary>
    public int? ExitCode { get; init; }

    /// <summary>A short reason.</summary>
    public string? Reason { get; init; }

    /// <summary>What a person should read.</summary>
    public string? Message { get; init; }

    /// <summary>The last lines of its log (bounded; sensitive values masked by the worker).</summary>
    public string? LogTail { get; init; }

    /// <summary>True when the task may fail (allowFailure): the run goes on and can still succeed; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? AllowedFailure { get; init; }
}
