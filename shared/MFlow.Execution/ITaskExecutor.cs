using MFlow.Contracts;

namespace MFlow.Execution;

/// <summary>
/// Runs tasks of one or more kinds somewhere (host processes, Kubernetes Jobs) and reports their
/// progress through <see cref="Reporting.TaskReporter"/>. Both calls must be idempotent: commands
/// arrive at least once.
/// </summary>
public interface ITaskExecutor
{
    /// <summary>
    /// Makes sure the task's attempt runs. An executor may return once the task is launched (its
    /// tracker reports the rest) or once it finished.
    /// </summary>
    Task ExecuteAsync(RunTaskCommand command, CancellationToken cancellationToken);

    /// <summary>Stops the task's attempt if it runs and reports it Cancelled; does nothing if it already ended.</summary>
    Task CancelAsync(CancelTask command, CancellationToken cancellationToken);
}
