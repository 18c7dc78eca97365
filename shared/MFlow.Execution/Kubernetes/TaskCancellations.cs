using System.Collections.Concurrent;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Why tasks were cancelled, shared by the executor (which deletes the Job) and the tracker (which
/// reports the deletion), and the cancellations that arrived before their Job was created.
/// </summary>
public sealed class TaskCancellations
{
    readonly ConcurrentDictionary<(Guid TaskId, int Attempt), string> _reasons = new();

    /// <summary>Records a cancellation.</summary>
    public void Record(Guid taskId, int attempt, string reason) => _reasons[(taskId, attempt)] = reason;

    /// <summary>The reason a task attempt was cancelled, if it was (here, since this process started).</summary>
    public string? ReasonFor(Guid taskId, int attempt) => _reasons.GetValueOrDefault((taskId, attempt));

    /// <summary>Forgets a task attempt once its outcome is reported.</summary>
    public void Forget(Guid taskId, int attempt) => _reasons.TryRemove((taskId, attempt), out _);
}
