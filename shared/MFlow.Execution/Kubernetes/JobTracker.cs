using System.Threading.Channels;
using k8s.Autorest;
using k8s.Models;
using MassTransit;
using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.Kubernetes;
using MFlow.Kubernetes.Watching;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Follows every Job of one kind (and their pods) with one list+watch per namespace, and turns what
/// it sees into <see cref="TaskUpdated"/> through <see cref="TaskStatusMapper"/>. No per-task polling:
/// a watch broken by a dropped connection resumes from the last resourceVersion, a 410 Gone relists
/// and reconciles. After a restart, Jobs that finished meanwhile are reported once: the aggregator is
/// asked which outcomes it already has.
/// </summary>
public sealed class JobTracker(
    IKubernetesApi client,
    IJobBuilder builder,
    KubernetesExecutorOptions options,
    IReadOnlyList<string> namespaces,
    TaskReporter reporter,
    TaskCancellations cancellations,
    IRequestClient<GetTaskOutcomes> outcomes,
    ILogger<JobTracker> logger) : BackgroundService
{
    /// <summary>How many of a task's last log lines go into its terminal TaskUpdated (MFlow:Worker:LogTailLines).</summary>
    public int LogTailLines { get; init; } = 20;

    /// <summary>How many lines of a finished task's log are kept (at most <see cref="TaskUpdated.MaxLogLength"/> characters).</summary>
    public const int MaxLogLines = 10_000;

    Channel<TrackerEvent> _events = NewChannel();
    readonly Dictionary<string, Tracked> _jobs = [];
    readonly Dictionary<string, PodsOfJob> _pods = [];
    readonly HashSet<string> _syncedNamespaces = [];
    readonly string _selector = TaskLabels.SelectorFor(builder.Kind);
    CancellationToken _stopping;

    /// <summary>Becomes true once every namespace was listed (used by readiness and tests).</summary>
    public bool Synced { get; private set; }

    /// <summary>
    /// When set, this instance tracks only while it holds the election's Lease, so that several
    /// replicas of a worker report each transition (and read each log) once. Without it, it always tracks.
    /// </summary>
    public LeaderElection? Election { get; init; }

    /// <summary>The kind's cap (MFlow:Kubernetes:MaxRunningJobs), told when a Job ends so that a waiting command counts again at once.</summary>
    public JobCap? Cap { get; init; }

    /// <summary>True while this instance stands by for another replica that holds the Lease.</summary>
    public bool StandingBy => Election is { IsLeader: false };

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Election is null ? RunAsync(stoppingToken) : Election.RunAsync(RunAsync, stoppingToken);

    /// <summary>
    /// Tracks until cancelled. Each call starts afresh (list, then watch), so a replica that becomes
    /// leader reconciles from what the cluster says and asks the aggregator what was reported already.
    /// </summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        _events = NewChannel();
        ForgetJobs();
        _pods.Clear();
        _syncedNamespaces.Clear();
        Synced = false;
        var watchers = namespaces.SelectMany(ns => new[] { WatchPodsAsync(ns, stoppingToken), WatchJobsAsync(ns, stoppingToken) }).ToList();
        try
        {
            await foreach (var next in _events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await HandleAsync(next);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Tracking {Kind} Jobs: handling {Event} failed", builder.Kind, next.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(watchers.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
        await Task.WhenAll(_jobs.Values.Select(t => t.Work.ContinueWith(_ => { }, TaskScheduler.Default)));
        // A replica that stops tracking (stopping, or no longer the leader) no longer counts the Jobs as its active tasks.
        foreach (var tracked in _jobs.Values)
            tracked.Active?.Dispose();
    }

    void ForgetJobs()
    {
        foreach (var tracked in _jobs.Values)
            tracked.Active?.Dispose();
        _jobs.Clear();
    }

    static Channel<TrackerEvent> NewChannel() => Channel.CreateUnbounded<TrackerEvent>(new UnboundedChannelOptions { SingleReader = true });

    async Task WatchJobsAsync(string @namespace, CancellationToken cancellationToken)
    {
        await foreach (var change in ListWatcher.ForJobs(client, @namespace, _selector, logger: logger).RunAsync(cancellationToken))
            _events.Writer.TryWrite(new JobEvent(@namespace, change));
    }

    async Task WatchPodsAsync(string @namespace, CancellationToken cancellationToken)
    {
        await foreach (var change in ListWatcher.ForPods(client, @namespace, _selector, logger: logger).RunAsync(cancellationToken))
            _events.Writer.TryWrite(new PodEvent(@namespace, change));
    }

    async Task HandleAsync(TrackerEvent next)
    {
        switch (next)
        {
            case JobEvent { Change.Type: ListWatchEventType.Synced } synced:
                OnJobsSynced(synced.Namespace, synced.Change.Items);
                break;
            case JobEvent { Change.Type: ListWatchEventType.Deleted, Change.Object: { } job }:
                OnJobDeleted(Key(job));
                break;
            case JobEvent { Change.Object: { } job }:
                Upsert(job, initialSync: false);
                break;
            case PodEvent { Change.Type: ListWatchEventType.Synced } synced:
                foreach (var key in _pods.Keys.Where(k => k.StartsWith(synced.Namespace + "/", StringComparison.Ordinal)).ToList())
                    _pods.Remove(key);
                // A list is in name order; the tries of a Job were created one after the other.
                foreach (var pod in synced.Change.Items.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue))
                    RememberPod(pod);
                foreach (var tracked in _jobs.Values.Where(t => t.Namespace == synced.Namespace).ToList())
                    Evaluate(tracked);
                break;
            case PodEvent { Change.Object: { } pod }:
                // A deleted pod's last state is still the best account of its attempt: keep it.
                if (RememberPod(pod) is { } jobKey && _jobs.TryGetValue(jobKey, out var owner))
                    Evaluate(owner);
                break;
            case ProgressDue due when _jobs.TryGetValue(due.Key, out var progressing) && !progressing.Finalized
                && Rank(progressing.Reported) == Rank(due.Report.State) && progressing.ReportedReason == due.Report.Reason:
                Chain(progressing, () => reporter.ReportAsync(progressing.Task, due.Report, _stopping));
                break;
            case PullGraceExpired pull when _jobs.TryGetValue(pull.Key, out var pulling) && !pulling.Finalized
                && _pods.TryGetValue(pull.Key, out var pullTries) && pullTries.Current?.Metadata.Name == pull.Pod:
                if (TaskStatusMapper.Stuck(pullTries.Current) is { } stillStuck)
                    FailStuck(pulling, stillStuck.Reason, $"{stillStuck.Message} (for longer than the image pull grace period, {options.ImagePullGrace.TotalSeconds:0} s)");
                // The task's own Secret and ConfigMap come with the command's next delivery: not checked.
                else if (PodVolumes.StillCreating(pullTries.Current) && PodVolumes.Of(pullTries.Current).Where(m => m.Name != pulling.Name).ToList() is { Count: > 0 } mounted)
                    _ = FindMissingMountAsync(pulling, pull.Pod, mounted);
                break;
            case MountMissing missing when _jobs.TryGetValue(missing.Key, out var mounting) && !mounting.Finalized
                && _pods.TryGetValue(missing.Key, out var mountTries) && mountTries.Current?.Metadata.Name == missing.Pod
                && PodVolumes.StillCreating(mountTries.Current):
                FailStuck(mounting, TaskFailureReasons.FailedMount, $"{missing.Message} (waited longer than the image pull grace period, {options.ImagePullGrace.TotalSeconds:0} s)");
                break;
            case GraceExpired expired when _jobs.TryGetValue(expired.Key, out var late):
                late.GraceExpired = true;
                Evaluate(late);
                break;
            case OutcomesChecked checkedOutcomes:
                foreach (var key in checkedOutcomes.Keys)
                {
                    if (!_jobs.TryGetValue(key, out var tracked))
                        continue;
                    tracked.AwaitingOutcomeCheck = false;
                    if (checkedOutcomes.Recorded.Contains(key))
                        Finalize(tracked);
                    Evaluate(tracked);
                }

                break;
        }
    }

    void OnJobsSynced(string @namespace, IReadOnlyList<V1Job> jobs)
    {
        var firstSync = _syncedNamespaces.Add(@namespace);
        var present = jobs.Select(Key).ToHashSet();
        foreach (var gone in _jobs.Keys.Where(k => k.StartsWith(@namespace + "/", StringComparison.Ordinal) && !present.Contains(k)).ToList())
            OnJobDeleted(gone); // deleted while the watch was down

        foreach (var job in jobs)
            Upsert(job, firstSync);
        Synced = _syncedNamespaces.Count == namespaces.Count;

        if (firstSync)
        {
            var unknown = _jobs.Values.Where(t => t.AwaitingOutcomeCheck).ToList();
            if (unknown.Count > 0)
                _ = CheckOutcomesAsync(unknown);
        }
    }

    // Jobs that had finished before this process saw them: ask the aggregator whether their outcome
    // is recorded already (reported by this worker's previous life). If it does not answer, report
    // anyway: a duplicate is harmless to the aggregator, silence is not.
    async Task CheckOutcomesAsync(IReadOnlyList<Tracked> unknown)
    {
        var keys = unknown.Select(t => t.Key).ToList();
        var recorded = new HashSet<string>();
        try
        {
            var request = new GetTaskOutcomes
            {
                Tasks = unknown.Select(t => new TaskAttemptRef { RunId = t.Task.RunId, TaskId = t.Task.TaskId, Attempt = t.Task.Attempt }).ToList(),
            };
            var response = await outcomes.GetResponse<TaskOutcomes>(request, _stopping, RequestTimeout.After(s: 15));
            var done = response.Message.Recorded.Select(r => (r.TaskId, r.Attempt)).ToHashSet();
            recorded = unknown.Where(t => done.Contains((t.Task.TaskId, t.Task.Attempt))).Select(t => t.Key).ToHashSet();
            logger.LogInformation("{Count} {Kind} Jobs finished while this worker was away; {Recorded} were already reported", unknown.Count, builder.Kind, recorded.Count);
        }
        catch (Exception ex) when (ex is RequestTimeoutException or RequestFaultException)
        {
            logger.LogWarning(ex, "The aggregator did not say which finished Jobs were reported; reporting them all");
        }

        _events.Writer.TryWrite(new OutcomesChecked(keys, recorded));
    }

    void Upsert(V1Job job, bool initialSync)
    {
        var key = Key(job);
        if (!_jobs.TryGetValue(key, out var tracked))
        {
            if (TaskLabels.TaskOf(job) is not { } task)
                return;
            tracked = new Tracked(key, job.Metadata.NamespaceProperty, job.Metadata.Name, task, job) { Active = MFlowMetrics.TaskActive(builder.Kind) };
            _jobs[key] = tracked;
            if (initialSync && TaskStatusMapper.Map(job, null).IsTerminal)
                tracked.AwaitingOutcomeCheck = true;
        }

        // A finished Job is only waited on until it is deleted (see Finalize).
        if (tracked.Finalized)
            return;
        tracked.Job = job;
        Evaluate(tracked);
    }

    void OnJobDeleted(string key)
    {
        if (!_jobs.Remove(key, out var tracked))
            return;
        Cap?.OnJobEnded();
        _pods.Remove(key);
        if (tracked.Finalized)
        {
            cancellations.Forget(tracked.Task.TaskId, tracked.Task.Attempt);
            return;
        }

        // Deleted before it finished: cancelled (by MFlow or by someone with kubectl).
        tracked.Finalized = true;
        tracked.Active?.Dispose();
        var reason = cancellations.ReasonFor(tracked.Task.TaskId, tracked.Task.Attempt) ?? "The task's Job was deleted before it finished.";
        Chain(tracked, async () =>
        {
            await reporter.ReportAsync(tracked.Task, new TaskReport(TaskState.Cancelled) { FinishedAt = DateTimeOffset.UtcNow, Reason = "Cancelled", Message = reason }, _stopping);
            cancellations.Forget(tracked.Task.TaskId, tracked.Task.Attempt);
        });
    }

    void Evaluate(Tracked tracked)
    {
        if (tracked.Finalized)
            return;

        _pods.TryGetValue(tracked.Key, out var tries);
        var observed = TaskStatusMapper.Map(tracked.Job, tries?.Current);
        if (observed.IsTerminal)
        {
            Cap?.OnJobEnded();
            if (tracked.AwaitingOutcomeCheck)
                return;
            // Every try the Job counts must have been seen to end, or the pod at hand may be an earlier
            // try (with its exit code and log) while the last one's events are still on their way.
            var status = tracked.Job.Status;
            var sawEveryTry = observed.Reason == "DeadlineExceeded" || TaskStatusMapper.DecidedOutcome(tracked.Job) is not null
                || (tries?.Finished ?? 0) >= (status?.Failed ?? 0) + (status?.Succeeded ?? 0);
            if ((!observed.PodSettled || !sawEveryTry) && !tracked.GraceExpired)
            {
                // The Job's verdict came in before its pod's final state on the other watch; give the pod a moment.
                if (!tracked.GraceStarted)
                {
                    tracked.GraceStarted = true;
                    _ = Task.Delay(options.PodStatusGrace, _stopping).ContinueWith(
                        t => _events.Writer.TryWrite(new GraceExpired(tracked.Key)), TaskContinuationOptions.OnlyOnRanToCompletion);
                }

                return;
            }

            var finished = tracked.Job;
            Finalize(tracked);
            Chain(tracked, () => ReportFinalAsync(tracked, finished, observed));
            return;
        }

        if (WatchForStuckPod(tracked, tries?.Current))
            return;

        if (Rank(observed.State) > Rank(tracked.Reported) || (observed.State == tracked.Reported && observed.Reason != tracked.ReportedReason && observed.Reason is not null))
        {
            tracked.Reported = observed.State;
            tracked.ReportedReason = observed.Reason;
            var report = new TaskReport(observed.State) { StartedAt = observed.StartedAt, Reason = observed.Reason, Message = observed.Message };
            // Held for a moment (ProgressDue): a report a later state supersedes meanwhile never goes
            // out, since the later one says everything it would. On a real cluster states are seconds
            // apart and every one goes out, a moment late; a task that ends at once reports only its end.
            _ = Task.Delay(options.ProgressReportDelay, _stopping).ContinueWith(
                t => _events.Writer.TryWrite(new ProgressDue(tracked.Key, report)), TaskContinuationOptions.OnlyOnRanToCompletion);
        }
    }

    // A pod that will never start fails its task now (or, for an image pull, once the pull grace period
    // passed: a timer started from the watch event, cancelled when the pod moves on) instead of
    // waiting out the task's deadline. True when the task was failed.
    bool WatchForStuckPod(Tracked tracked, V1Pod? pod)
    {
        var stuck = TaskStatusMapper.Stuck(pod);
        if (stuck is { AtOnce: true } now)
        {
            FailStuck(tracked, now.Reason, now.Message);
            return true;
        }

        // A pod still mounting its volumes past the grace period may name a Secret or ConfigMap that does
        // not exist (it would wait for ever): a timer of its own has that checked (FindMissingMountAsync).
        // A pod that moves on to a pull failure starts the pull's timer afresh.
        var podName = stuck is not null || PodVolumes.StillCreating(pod) ? pod!.Metadata.Name : null;
        var timerKey = podName is null ? null : $"{podName}/{(stuck is null ? "creating" : "stuck")}";
        if (tracked.PullTimerKey == timerKey)
            return false;
        tracked.PullTimer?.Cancel();
        tracked.PullTimer?.Dispose();
        (tracked.PullTimer, tracked.PullTimerKey) = (null, timerKey);
        if (podName is not null)
        {
            var timer = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            tracked.PullTimer = timer;
            _ = Task.Delay(options.ImagePullGrace, timer.Token).ContinueWith(
                t => _events.Writer.TryWrite(new PullGraceExpired(tracked.Key, podName)), TaskContinuationOptions.OnlyOnRanToCompletion);
        }

        return false;
    }

    // The task fails with the pod's reason, and its Job is ended (its pods stopped) so that nothing
    // keeps retrying, but kept, annotated with that outcome: a command delivered again later (a broker
    // that restarted, a worker that died before acknowledging) adopts it instead of running the attempt
    // a second time, and a replica that takes over tracking reads the outcome from it. Its TTL deletes it.
    void FailStuck(Tracked tracked, string reason, string message)
    {
        var (@namespace, name) = (tracked.Namespace, tracked.Name);
        Finalize(tracked);
        Chain(tracked, async () =>
        {
            try
            {
                await client.EndJobAsync(@namespace, name, TaskLabels.Tombstone(reason, message), _stopping);
            }
            catch (HttpOperationException ex) when (ex.Is(System.Net.HttpStatusCode.NotFound))
            {
                // Deleted meanwhile (a cancellation): the outcome below is still the attempt's.
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TimeoutException)
            {
                // Its deadline and TTL still end it; the task's outcome is what matters.
                logger.LogWarning(ex, "Could not end Job {Job}, whose pod cannot start ({Reason})", name, reason);
            }

            await reporter.ReportAsync(tracked.Task, new TaskReport(TaskState.Failed) { FinishedAt = DateTimeOffset.UtcNow, Reason = reason, Message = message }, _stopping);
            cancellations.Forget(tracked.Task.TaskId, tracked.Task.Attempt);
        });
    }

    // Off the event loop: reads the Secrets and ConfigMaps the pod mounts; one that is missing fails the
    // task (back on the loop, if the pod still waits). Only for a pod that waited past the grace period.
    async Task FindMissingMountAsync(Tracked tracked, string pod, IReadOnlyList<PodVolumes.Mounted> mounted)
    {
        try
        {
            if (await PodVolumes.FindMissingAsync(client, tracked.Namespace, mounted, _stopping) is { } message)
                _events.Writer.TryWrite(new MountMissing(tracked.Key, pod, message));
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // Unknown, so no verdict: the task's deadline still ends a pod that never starts.
            logger.LogWarning(ex, "Could not check the volumes of pod {Pod}, which waits to start", pod);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    // Once its outcome is decided a Job is only remembered until it is deleted, which its TTL does
    // an hour later by default: its task and name are kept, not the Job and pod objects (tens of KB
    // each, which made a busy worker grow by gigabytes per hour).
    void Finalize(Tracked tracked)
    {
        tracked.Finalized = true;
        tracked.PullTimer?.Cancel();
        tracked.PullTimer?.Dispose();
        tracked.PullTimer = null;
        tracked.Active?.Dispose();
        tracked.Job = new V1Job { Metadata = new V1ObjectMeta { Name = tracked.Name, NamespaceProperty = tracked.Namespace } };
        _pods.Remove(tracked.Key);
    }

    async Task ReportFinalAsync(Tracked tracked, V1Job job, ObservedTask observed)
    {
        string? log = null;
        if (observed.PodName is { } podName)
        {
            try
            {
                log = await client.ReadPodLogAsync(
                    tracked.Namespace, podName, job.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Name, MaxLogLines, TaskUpdated.MaxLogLength, _stopping);
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TimeoutException)
            {
                // The outcome matters more than the log: report it without.
                logger.LogInformation(ex, "No log for {Job}", tracked.Name);
            }
        }

        var outputs = builder.ReadOutputs(job, observed.TerminationMessage);
        await reporter.ReportAsync(tracked.Task, await JobLogMask.ApplyAsync(client, job, new TaskReport(observed.State)
        {
            StartedAt = observed.StartedAt,
            FinishedAt = observed.FinishedAt ?? DateTimeOffset.UtcNow,
            ExitCode = observed.ExitCode,
            Reason = observed.Reason,
            Message = observed.Message,
            LogTail = log is null ? null : Reporting.LogTail.Of(log, LogTailLines),
            Log = log,
            LogTruncated = log is not null && (log.Length >= TaskUpdated.MaxLogLength || log.Count(c => c == '\n') >= MaxLogLines),
            Outputs = outputs,
        }, _stopping), _stopping);
        cancellations.Forget(tracked.Task.TaskId, tracked.Task.Attempt);
    }

    string? RememberPod(V1Pod pod)
    {
        if (TaskStatusMapper.JobNameOf(pod) is not { } jobName)
            return null;
        var key = $"{pod.Metadata.NamespaceProperty}/{jobName}";
        if (_jobs.TryGetValue(key, out var owner) && owner.Finalized)
            return key;
        if (!_pods.TryGetValue(key, out var tries))
            _pods[key] = tries = new PodsOfJob();
        tries.Remember(pod);
        return key;
    }

    // Reports of one task go out in the order they were decided.
    static void Chain(Tracked tracked, Func<Task> work) =>
        tracked.Work = tracked.Work.ContinueWith(_ => work(), TaskScheduler.Default).Unwrap();

    static int Rank(TaskState? state) => state switch { null => 0, TaskState.Pending => 1, TaskState.Running => 2, _ => 3 };

    static string Key(V1Job job) => $"{job.Metadata.NamespaceProperty}/{job.Metadata.Name}";

    sealed class Tracked(string key, string @namespace, string name, TaskRef task, V1Job job)
    {
        public string Key { get; } = key;
        public string Namespace { get; } = @namespace;
        public string Name { get; } = name;
        public TaskRef Task { get; } = task;
        public V1Job Job { get; set; } = job;
        public TaskState? Reported { get; set; }
        public string? ReportedReason { get; set; }
        public bool Finalized { get; set; }
        public bool GraceStarted { get; set; }
        public bool GraceExpired { get; set; }
        public bool AwaitingOutcomeCheck { get; set; }
        public CancellationTokenSource? PullTimer { get; set; }
        public string? PullTimerKey { get; set; }
        public IDisposable? Active { get; init; }
        public Task Work { get; set; } = System.Threading.Tasks.Task.CompletedTask;
    }

    // The pods of one Job, its tries, in the order they were created: a watch delivers a new pod's
    // ADDED after those of the pods before it, so the last one first seen is the current try (an
    // older try's late events, or creation times equal to the second, cannot make it look newer).
    sealed class PodsOfJob
    {
        readonly List<V1Pod> _tries = [];

        public V1Pod? Current => _tries.Count > 0 ? _tries[^1] : null;

        // The tries that ended and that the Job counts: a pod failed by a disruption (evicted,
        // preempted: its DisruptionTarget condition) is ignored by the pod failure policy and
        // replaced, so it is no try of the Job's and its (empty) log is not the task's.
        public int Finished => _tries.Count(p => p.Status?.Phase == "Succeeded" || (p.Status?.Phase == "Failed" && !Disrupted(p)));

        static bool Disrupted(V1Pod pod) =>
            pod.Status?.Conditions?.Any(c => c.Type == "DisruptionTarget" && c.Status == "True") == true;

        // A deleted pod's last state is still the best account of its try: it is kept.
        public void Remember(V1Pod pod)
        {
            var index = _tries.FindIndex(p => p.Metadata.Name == pod.Metadata.Name);
            if (index >= 0)
                _tries[index] = pod;
            else
                _tries.Add(pod);
        }
    }

    abstract record TrackerEvent;

    sealed record JobEvent(string Namespace, ListWatchEvent<V1Job> Change) : TrackerEvent;

    sealed record PodEvent(string Namespace, ListWatchEvent<V1Pod> Change) : TrackerEvent;

    sealed record GraceExpired(string Key) : TrackerEvent;

    sealed record PullGraceExpired(string Key, string Pod) : TrackerEvent;

    sealed record ProgressDue(string Key, TaskReport Report) : TrackerEvent;

    sealed record MountMissing(string Key, string Pod, string Message) : TrackerEvent;

    sealed record OutcomesChecked(IReadOnlyList<string> Keys, IReadOnlySet<string> Recorded) : TrackerEvent;
}
