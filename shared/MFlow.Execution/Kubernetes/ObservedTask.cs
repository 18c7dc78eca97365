using MFlow.Contracts;

namespace MFlow.Execution.Kubernetes;

/// <summary>What a Job and its pod say about a task.</summary>
/// <param name="State">The task's state.</param>
/// <param name="Reason">A short reason (BackoffLimitExceeded, DeadlineExceeded, ImagePullBackOff, ...).</param>
/// <param name="Message">What a person should read.</param>
/// <param name="ExitCode">The main container's exit code, once known.</param>
/// <param name="StartedAt">When the pod started.</param>
/// <param name="FinishedAt">When the Job finished.</param>
/// <param name="TerminationMessage">The main container's termination message (its outputs).</param>
/// <param name="PodSettled">False while a finished Job's last pod has not yet shown its final container state.</param>
/// <param name="PodName">The pod whose state this is.</param>
public sealed record ObservedTask(
    TaskState State,
    string? Reason,
    string? Message,
    int? ExitCode,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? TerminationMessage,
    bool PodSettled,
    string? PodName)
{
    /// <summary>True in a terminal state.</summary>
    public bool IsTerminal => State.IsTerminal();
}
