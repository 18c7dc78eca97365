using MFlow.Contracts;
using MFlow.Kubernetes;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// MFlow:Kubernetes:MaxRunningJobs for one job kind: a command finds a free slot before its Job is
/// created, or waits for one. Slots are counted from the Kubernetes API (the kind's Jobs without a
/// verdict, in every namespace this worker manages), so the cap holds across replicas and restarts.
/// Within a process, counting and creating are one step (a gate), so concurrent commands cannot both
/// take the last slot; two replicas deciding at the same moment can each take it (the cap is exceeded
/// by at most one Job per other replica, until those Jobs end).
/// </summary>
public sealed partial class JobCap(
    IKubernetesApi client,
    JobKind kind,
    int maxRunningJobs,
    TimeSpan hold,
    IReadOnlyList<string> namespaces,
    ILogger<JobCap> logger)
{
    /// <summary>The longest pause between two counts while a command waits (a Job's end seen by this replica's tracker cuts it short).</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(15);

    static readonly TimeSpan FirstPollInterval = TimeSpan.FromSeconds(1);

    readonly SemaphoreSlim _gate = new(1, 1);
    readonly string _selector = TaskLabels.SelectorFor(kind);
    TaskCompletionSource _jobEnded = NewSignal();

    /// <summary>True when a cap is set (0: none, and no request is made).</summary>
    public bool Enabled => maxRunningJobs > 0;

    /// <summary>Called by the kind's tracker when it sees a Job end or go: a waiting command counts again at once.</summary>
    public void OnJobEnded() => Interlocked.Exchange(ref _jobEnded, NewSignal()).TrySetResult();

    /// <summary>
    /// Waits until the task's Job may be created, then returns a slot to dispose of once it was
    /// (the count and the create are one step in this process). A task whose Job exists already (a
    /// redelivered command) gets its slot at once. Returns null when <paramref name="abandoned"/> says
    /// the task is no longer wanted (cancelled while it waited). Throws <see cref="JobCapReachedException"/>
    /// when no slot freed within the hold, so that the command goes back to the queue instead of
    /// outliving the broker's consumer timeout unacknowledged.
    /// </summary>
    public async Task<IDisposable?> WaitForSlotAsync(string @namespace, string jobName, Func<bool> abandoned, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + hold;
        var pause = FirstPollInterval;
        var logged = false;
        while (true)
        {
            var ended = Volatile.Read(ref _jobEnded).Task;
            await _gate.WaitAsync(cancellationToken);
            int unfinished;
            try
            {
                (unfinished, var exists) = await CountUnfinishedAsync(@namespace, jobName, cancellationToken);
                if (exists || unfinished < maxRunningJobs)
                    return new Slot(_gate);
            }
            catch
            {
                _gate.Release();
                throw;
            }

            _gate.Release();
            if (!logged)
            {
                LogWaiting(logger, jobName, unfinished, maxRunningJobs);
                logged = true;
            }

            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new JobCapReachedException($"{unfinished} {TaskLabels.KindValue(kind)} Jobs are unfinished (MFlow:Kubernetes:MaxRunningJobs is {maxRunningJobs}).");
            await Task.WhenAny(ended, Task.Delay(pause < left ? pause : left, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (abandoned())
                return null;
            pause = pause * 2 < MaxPollInterval ? pause * 2 : MaxPollInterval;
        }
    }

    async Task<(int Unfinished, bool Exists)> CountUnfinishedAsync(string @namespace, string jobName, CancellationToken cancellationToken)
    {
        var unfinished = 0;
        var exists = false;
        foreach (var watched in namespaces)
        {
            var jobs = await client.ListJobsAsync(watched, _selector, cancellationToken);
            foreach (var job in jobs.Items)
            {
                exists |= watched == @namespace && job.Metadata.Name == jobName;
                if (!TaskStatusMapper.HasEnded(job))
                    unfinished++;
            }
        }

        return (unfinished, exists);
    }

    static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} waits: {Unfinished} Jobs of its kind are unfinished (MFlow:Kubernetes:MaxRunningJobs is {Max})")]
    private static partial void LogWaiting(ILogger logger, string job, int unfinished, int max);

    sealed class Slot(SemaphoreSlim gate) : IDisposable
    {
        int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                gate.Release();
        }
    }
}

/// <summary>A command waited its hold for a free slot (MFlow:Kubernetes:MaxRunningJobs) in vain: it goes back to its queue to wait again.</summary>
public sealed class JobCapReachedException(string message) : Exception(message);
