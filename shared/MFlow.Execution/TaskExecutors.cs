using MFlow.Contracts;

namespace MFlow.Execution;

/// <summary>The executor for each job kind this process hosts a worker for.</summary>
public sealed class TaskExecutors(IReadOnlyDictionary<JobKind, ITaskExecutor> executors)
{
    /// <summary>The executor of a hosted kind, or null.</summary>
    public ITaskExecutor? For(JobKind kind) => executors.GetValueOrDefault(kind);
}
