using MFlow.Contracts;
using MFlow.Notifications;

namespace MFlow.Notifier.Messages;

/// <summary>
/// Turns run events into notifications: pure functions, one per event. Each also names the event's
/// occurrence (<see cref="Occurrence.Key"/>), from which every delivery's id is derived, so the same
/// event consumed twice makes no second delivery.
/// </summary>
public static class NotificationEventFactory
{
    /// <summary>A run started.</summary>
    public static Occurrence From(PipelineRunStarted e) => Notify(
        NotificationEvents.RunStarted, e.StartedAt,
        Run(e.RunId, e.PipelineName, "Running", e.IdempotencyKey, e.Trigger, e.TriggeredBy, e.RunUrl) with { StartedAt = e.StartedAt });

    /// <summary>A run succeeded.</summary>
    public static Occurrence From(PipelineRunSucceeded e) => Notify(
        NotificationEvents.RunSucceeded, e.CompletedAt,
        Run(e.RunId, e.PipelineName, "Succeeded", e.IdempotencyKey, e.Trigger, e.TriggeredBy, e.RunUrl)
            .Ended(e.StartedAt, e.CompletedAt, e.Duration ?? e.CompletedAt - e.StartedAt));

    /// <summary>A run failed.</summary>
    public static Occurrence From(PipelineRunFailed e) => Notify(
        NotificationEvents.RunFailed, e.CompletedAt,
        Run(e.RunId, e.PipelineName, e.Reason == "Rejected" ? "Rejected" : "Failed", e.IdempotencyKey, e.Trigger, e.TriggeredBy, e.RunUrl)
            .Ended(e.StartedAt, e.CompletedAt, e.Duration ?? e.CompletedAt - e.StartedAt) with { FailedTasks = e.FailedTasks.Select(Summary).ToList() },
        // A timeout or a rejection says what happened (no task's failure does).
        message: e.Reason is null ? null : e.Message ?? e.Reason);

    /// <summary>A run waits at an approval gate.</summary>
    public static Occurrence From(PipelineRunWaitingForApproval e) => Notify(
        NotificationEvents.RunWaitingForApproval, e.WaitingSince,
        Run(e.RunId, e.PipelineName, "WaitingForApproval", e.IdempotencyKey, e.Trigger, e.TriggeredBy, e.RunUrl),
        within: e.StageIndex,
        message: $"Stage '{e.StageName}' waits for approval{(string.IsNullOrWhiteSpace(e.Message) ? "" : $": {e.Message}")}"
            + (e.ExpiresAt is { } expires ? $" (its timeout {e.OnTimeout}s it at {expires:u})" : ""));

    /// <summary>A run was cancelled.</summary>
    public static Occurrence From(PipelineRunCancelled e) => Notify(
        NotificationEvents.RunCancelled, e.CompletedAt,
        Run(e.RunId, e.PipelineName, "Cancelled", e.IdempotencyKey, e.Trigger, e.TriggeredBy, e.RunUrl)
            .Ended(e.StartedAt, e.CompletedAt, e.Duration ?? (e.StartedAt is { } started ? e.CompletedAt - started : null))
            with { CancelReason = e.Reason, CancelledBy = e.RequestedBy });

    /// <summary>A task failed.</summary>
    public static Occurrence From(TaskFailed e) => Notify(
        NotificationEvents.TaskFailed, e.FailedAt,
        Run(e.RunId, e.PipelineName, "Running", e.IdempotencyKey, e.Trigger, e.TriggeredBy, e.RunUrl),
        within: e.Task.TaskId,
        task: Summary(e.Task) with { AllowedFailure = e.AllowedFailure ? true : null });

    /// <summary>The test event the API's test route asks for.</summary>
    public static NotificationEvent Test(Guid deliveryId, string subscriptionName, string? requestedBy, DateTimeOffset now) => new()
    {
        Event = NotificationEvents.Test,
        DeliveryId = deliveryId,
        OccurredAt = now,
        Message = $"A test event for the subscription '{subscriptionName}', sent by {requestedBy ?? "an API user"}: this endpoint will hear from MFlow.",
    };

    static FailedTaskSummary Summary(TaskFailure t) => new()
    {
        Id = t.TaskId, Name = t.TaskName, Attempt = t.Attempt, ExitCode = t.ExitCode, Reason = t.Reason, Message = t.Message,
        LogTail = t.LogTail is { Length: > TaskFailure.MaxLogTailLength } tail ? tail[^TaskFailure.MaxLogTailLength..] : t.LogTail,
    };

    // Every event's notification is made here. Its occurrence's key is the event and the run, and,
    // for an event a run can have more than once (a gate per stage, a failure per task), which one.
    static Occurrence Notify(string @event, DateTimeOffset occurredAt, RunSummary run, object? within = null, string? message = null, FailedTaskSummary? task = null) => new(
        within is null ? $"{@event}/{run.Id}" : $"{@event}/{run.Id}/{within}", run.PipelineName, run.Id,
        new NotificationEvent { Event = @event, OccurredAt = occurredAt, Run = run, Message = message, Task = task });

    // The run as every event tells it: which run, in what state, who and what asked for it, where to read it.
    static RunSummary Run(Guid id, string pipelineName, string state, string? idempotencyKey, string? trigger, string? triggeredBy, string? url) => new()
    {
        Id = id, PipelineName = pipelineName, State = state, IdempotencyKey = idempotencyKey, Trigger = trigger, TriggeredBy = triggeredBy, Url = url,
    };

    // What an ended run adds: when it started and ended, and how long it took.
    static RunSummary Ended(this RunSummary run, DateTimeOffset? startedAt, DateTimeOffset completedAt, TimeSpan? duration) =>
        run with { StartedAt = startedAt, CompletedAt = completedAt, DurationSeconds = Seconds(duration) };

    static double? Seconds(TimeSpan? duration) => duration is { } d ? Math.Round(d.TotalSeconds, 3) : null;
}

/// <summary>One occurrence of an event: its key (what deliveries' ids derive from), its pipeline and run, and its notification.</summary>
public sealed record Occurrence(string Key, string PipelineName, Guid RunId, NotificationEvent Notification);
