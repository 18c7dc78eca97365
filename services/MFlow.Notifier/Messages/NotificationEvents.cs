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
    public static Occurrence From(PipelineRunStarted e) => new(
        $"{NotificationEvents.RunStarted}/{e.RunId}", e.PipelineName, e.RunId,
        new NotificationEvent
        {
            Event = NotificationEvents.RunStarted,
            OccurredAt = e.StartedAt,
            Run = new RunSummary
            {
                Id = e.RunId, PipelineName = e.PipelineName, State = "Running", IdempotencyKey = e.IdempotencyKey, Trigger = e.Trigger,
                TriggeredBy = e.TriggeredBy, StartedAt = e.StartedAt, Url = e.RunUrl,
            },
        });

    /// <summary>A run succeeded.</summary>
    public static Occurrence From(PipelineRunSucceeded e) => new(
        $"{NotificationEvents.RunSucceeded}/{e.RunId}", e.PipelineName, e.RunId,
        new NotificationEvent
        {
            Event = NotificationEvents.RunSucceeded,
            OccurredAt = e.CompletedAt,
            Run = new RunSummary
            {
                Id = e.RunId, PipelineName = e.PipelineName, State = "Succeeded", IdempotencyKey = e.IdempotencyKey, Trigger = e.Trigger,
                TriggeredBy = e.TriggeredBy, StartedAt = e.StartedAt, CompletedAt = e.CompletedAt,
                DurationSeconds = Seconds(e.Duration ?? e.CompletedAt - e.StartedAt), Url = e.RunUrl,
            },
        });

    /// <summary>A run failed.</summary>
    public static Occurrence From(PipelineRunFailed e) => new(
        $"{NotificationEvents.RunFailed}/{e.RunId}", e.PipelineName, e.RunId,
        new NotificationEvent
        {
            Event = NotificationEvents.RunFailed,
            OccurredAt = e.CompletedAt,
            Run = new RunSummary
            {
                Id = e.RunId, PipelineName = e.PipelineName, State = "Failed", IdempotencyKey = e.IdempotencyKey, Trigger = e.Trigger,
                TriggeredBy = e.TriggeredBy, StartedAt = e.StartedAt, CompletedAt = e.CompletedAt,
                DurationSeconds = Seconds(e.Duration ?? e.CompletedAt - e.StartedAt), Url = e.RunUrl,
                FailedTasks = e.FailedTasks.Select(Summary).ToList(),
            },
        });

    /// <summary>A run was cancelled.</summary>
    public static Occurrence From(PipelineRunCancelled e) => new(
        $"{NotificationEvents.RunCancelled}/{e.RunId}", e.PipelineName, e.RunId,
        new NotificationEvent
        {
            Event = NotificationEvents.RunCancelled,
            OccurredAt = e.CompletedAt,
            Run = new RunSummary
            {
                Id = e.RunId, PipelineName = e.PipelineName, State = "Cancelled", IdempotencyKey = e.IdempotencyKey, Trigger = e.Trigger,
                TriggeredBy = e.TriggeredBy, StartedAt = e.StartedAt, CompletedAt = e.CompletedAt,
                DurationSeconds = Seconds(e.Duration ?? (e.StartedAt is { } started ? e.CompletedAt - started : null)), Url = e.RunUrl,
                CancelReason = e.Reason, CancelledBy = e.RequestedBy,
            },
        });

    /// <summary>A task failed.</summary>
    public static Occurrence From(TaskFailed e) => new(
        $"{NotificationEvents.TaskFailed}/{e.RunId}/{e.Task.TaskId}", e.PipelineName, e.RunId,
        new NotificationEvent
        {
            Event = NotificationEvents.TaskFailed,
            OccurredAt = e.FailedAt,
            Run = new RunSummary
            {
                Id = e.RunId, PipelineName = e.PipelineName, State = "Running", IdempotencyKey = e.IdempotencyKey, Trigger = e.Trigger,
                TriggeredBy = e.TriggeredBy, Url = e.RunUrl,
            },
            Task = Summary(e.Task),
        });

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

    static double? Seconds(TimeSpan? duration) => duration is { } d ? Math.Round(d.TotalSeconds, 3) : null;
}

/// <summary>One occurrence of an event: its key (what deliveries' ids derive from), its pipeline and run, and its notification.</summary>
public sealed record Occurrence(string Key, string PipelineName, Guid RunId, NotificationEvent Notification);
