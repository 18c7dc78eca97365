namespace MFlow.Persistence.Runs;

/// <summary>
/// Wakes this process's readers of a run's event journal when the run has new events: on PostgreSQL
/// from the NOTIFY its writers send (<see cref="RunEventListener"/>, any replica's writes), on SQLite
/// (one process) from the writer itself. A reader holds a <see cref="RunEventWatch"/> while it follows
/// a run; the run is forgotten when its last reader lets go, so a long-lived replica keeps nothing
/// for the runs it once streamed.
/// </summary>
public sealed class RunEventSignal
{
    readonly Lock _gate = new();
    readonly Dictionary<Guid, Watched> _runs = [];

    /// <summary>How many runs have a reader in this process.</summary>
    public int WatchedRuns
    {
        get
        {
            lock (_gate)
                return _runs.Count;
        }
    }

    /// <summary>Starts following <paramref name="runId"/>'s pulses; dispose the watch when the reader stops.</summary>
    public RunEventWatch Watch(Guid runId)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var run))
                _runs[runId] = run = new Watched();
            run.Readers++;
        }

        return new RunEventWatch(this, runId);
    }

    /// <summary>Wakes the run's readers.</summary>
    public void Pulse(Guid runId)
    {
        TaskCompletionSource? next;
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var run))
                return;
            (next, run.Next) = (run.Next, null);
        }

        next?.TrySetResult();
    }

    /// <summary>Wakes every reader (the notifications may have been missed: a lost listener connection).</summary>
    public void PulseAll()
    {
        List<TaskCompletionSource> woken = [];
        lock (_gate)
        {
            foreach (var run in _runs.Values)
            {
                if (run.Next is { } next)
                    woken.Add(next);
                run.Next = null;
            }
        }

        foreach (var next in woken)
            next.TrySetResult();
    }

    internal Task Next(Guid runId)
    {
        lock (_gate)
        {
            var run = _runs[runId];
            run.Next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return run.Next.Task;
        }
    }

    internal void Leave(Guid runId)
    {
        lock (_gate)
        {
            if (--_runs[runId].Readers == 0)
                _runs.Remove(runId);
        }
    }

    // The readers of one run, and the pulse they wait for (none until one of them waits).
    sealed class Watched
    {
        public int Readers;
        public TaskCompletionSource? Next;
    }
}
