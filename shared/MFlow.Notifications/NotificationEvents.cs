using MFlow.Contracts;

namespace MFlow.Notifications;

/// <summary>
/// The events a subscription can ask for, by the names the API, the delivery log and receivers use
/// (X-MFlow-Event), and the run event each one comes from.
/// </summary>
public static class NotificationEvents
{
    /// <summary>A run started (<see cref="PipelineRunStarted"/>).</summary>
    public const string RunStarted = "run.started";

    /// <summary>A run succeeded (<see cref="PipelineRunSucceeded"/>).</summary>
    public const string RunSucceeded = "run.succeeded";

    /// <summary>A run failed (<see cref="PipelineRunFailed"/>).</summary>
    public const string RunFailed = "run.failed";

    /// <summary>A run was cancelled (<see cref="PipelineRunCancelled"/>).</summary>
    public const string RunCancelled = "run.cancelled";

    /// <summary>A run waits at an approval gate (<see cref="PipelineRunWaitingForApproval"/>).</summary>
    public const string RunWaitingForApproval = "run.waiting_for_approval";

    /// <summary>A task failed (<see cref="TaskFailed"/>).</summary>
    public const string TaskFailed = "task.failed";

    /// <summary>Sent on request through the API's test route, whatever the subscription's filters; never subscribed to.</summary>
    public const string Test = "test";

    /// <summary>The events a subscription can name.</summary>
    public static readonly IReadOnlyList<string> All = [RunStarted, RunSucceeded, RunFailed, RunCancelled, TaskFailed, RunWaitingForApproval];

    /// <summary>True for an event a subscription can name.</summary>
    public static bool IsKnown(string? name) => name is not null && All.Contains(name);
}
