using System.Collections.Concurrent;

namespace MFlow.Standalone.Console;

/// <summary>Lets the CLI wait for a run's terminal event, whichever arrives first: the event or the wait.</summary>
public sealed class RunWatcher
{
    readonly ConcurrentDictionary<Guid, TaskCompletionSource<string>> _runs = new();

    /// <summary>Waits until the run ends; returns Succeeded, Failed or Cancelled.</summary>
    public Task<string> WaitAsync(Guid runId, CancellationToken cancellationToken) => Get(runId).Task.WaitAsync(cancellationToken);

    /// <summary>Records that a run ended.</summary>
    public void Ended(Guid runId, string outcome) => Get(runId).TrySetResult(outcome);

    TaskCompletionSource<string> Get(Guid runId) =>
        _runs.GetOrAdd(runId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
