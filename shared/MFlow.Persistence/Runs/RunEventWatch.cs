namespace MFlow.Persistence.Runs;

/// <summary>One reader's hold on a run's pulses (<see cref="RunEventSignal.Watch"/>); disposing it lets go.</summary>
public sealed class RunEventWatch : IDisposable
{
    readonly RunEventSignal _signal;
    readonly Guid _runId;
    bool _disposed;

    internal RunEventWatch(RunEventSignal signal, Guid runId) => (_signal, _runId) = (signal, runId);

    /// <summary>
    /// A task that completes at the run's next pulse. Take it before reading the journal, then await
    /// it: a change committed between the read and the wait still wakes the reader.
    /// </summary>
    public Task Next()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _signal.Next(_runId);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _signal.Leave(_runId);
    }
}
