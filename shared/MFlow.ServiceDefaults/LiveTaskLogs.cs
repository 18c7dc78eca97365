using System.Collections.Concurrent;

namespace MFlow.ServiceDefaults;

/// <summary>
/// The task attempts this process runs right now with the local executor, each with its log file as
/// it is written: what GET /api/v1/runs/{id}/tasks/{task}/log?follow=true streams when the API runs in
/// the same process (the embedded default). A worker registers an attempt when it starts and ends it
/// when its process has exited; the secrets it masks never leave the process.
/// </summary>
public sealed class LiveTaskLogs
{
    readonly ConcurrentDictionary<(Guid TaskId, int Attempt), LiveTaskLog> _running = new();

    /// <summary>Registers a starting attempt's log.</summary>
    public LiveTaskLog Start(Guid taskId, int attempt, string logFile, LiveLogMask mask)
    {
        var log = new LiveTaskLog(logFile, mask, () => End(taskId, attempt));
        _running[(taskId, attempt)] = log;
        return log;
    }

    /// <summary>The attempt's log ended (its process exited): followers read to its end and stop.</summary>
    public void End(Guid taskId, int attempt)
    {
        if (_running.TryRemove((taskId, attempt), out var log))
            log.End();
    }

    /// <summary>The attempt's live log, when this process runs it.</summary>
    public LiveTaskLog? Find(Guid taskId, int attempt) => _running.GetValueOrDefault((taskId, attempt));
}

/// <summary>Masks what a follower read of a growing log: see <see cref="LiveTaskLog.Mask"/>.</summary>
public delegate (string Masked, int Length) LiveLogMask(string unsent, bool ended);

/// <summary>One running attempt's log file, with a wake-up for each line written; disposing it ends it.</summary>
public sealed class LiveTaskLog(string logFile, LiveLogMask mask, Action end) : IDisposable
{
    TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The file the lines go to.</summary>
    public string LogFile { get; } = logFile;

    /// <summary>
    /// Of <paramref name="unsent"/>, text read from the file and not sent yet, the whole lines that can
    /// be sent now with the task's secrets masked as its stored log masks them, and how many characters
    /// of it they are; the rest waits for more text (it may be the start of a multi-line secret), or
    /// all of it goes once the log <paramref name="ended"/>.
    /// </summary>
    public (string Masked, int Length) Mask(string unsent, bool ended) => mask(unsent, ended);

    /// <summary>True once the attempt's process exited.</summary>
    public bool Ended { get; private set; }

    /// <summary>Completes at the next line written (or the end). Take it before reading the file, then await it.</summary>
    public Task Next() => Volatile.Read(ref _written).Task;

    /// <summary>A line was written.</summary>
    public void Written() => Interlocked.Exchange(ref _written, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <inheritdoc />
    public void Dispose() => end();

    internal void End()
    {
        Ended = true;
        Written();
    }
}
