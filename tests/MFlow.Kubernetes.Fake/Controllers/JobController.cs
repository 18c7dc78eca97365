using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Store;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// The simulated kube-controller-manager: a Job controller (pods, retries, conditions, deadline, TTL)
/// and the garbage collector, driven like the real ones by a watch on the store. One loop handles the
/// events in revision order; callers can wait until it has caught up with a revision, which makes the
/// test controls deterministic without sleeping.
/// </summary>
internal sealed class JobController : IAsyncDisposable
{
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly Kubelet _kubelet;
    private readonly PodLogs _logs;
    private readonly GarbageCollector _collector;
    private readonly BackgroundWork _work;
    private readonly Action<Exception> _onError;
    private readonly SemaphoreSlim _mutex = new(1, 1);
    private readonly Dictionary<string, JobState> _jobs = new(StringComparer.Ordinal);
    private readonly WatchSubscription _subscription;
    private readonly RevisionTracker _progress;
    private readonly Task _loop;
    private readonly TimeSpan _startTimeout;
    private readonly List<(string Namespace, string Name)> _heldTerminations = [];
    private readonly Dictionary<(string Namespace, string Name), BlockedPod> _blocked = [];

    /// <summary>The finalizer the real Job controller puts on its pods so that it counts each one before it goes.</summary>
    public const string JobTrackingFinalizer = "batch.kubernetes.io/job-tracking";

    public JobController(ObjectStore store, ResourceRegistry registry, Kubelet kubelet, PodLogs logs, BackgroundWork work, Action<Exception> onError, TimeSpan startTimeout)
    {
        _startTimeout = startTimeout;
        _store = store;
        _registry = registry;
        _kubelet = kubelet;
        _logs = logs;
        _work = work;
        _onError = onError;
        _collector = new GarbageCollector(store);
        var everything = new WatchFilter(registry.All.Select(type => type.Plural).ToHashSet(), null, LabelSelector.Everything, FieldSelector.Everything);
        _subscription = store.Subscribe(everything, fromRevision: null, includeInitial: false, isInternal: true);
        _progress = new RevisionTracker(_subscription.StartRevision);
        _loop = Task.Run(RunAsync);
    }

    public Func<JsonObject, PodScript?>? AutoRun { get; set; }

    public GarbageCollector Collector => _collector;

    /// <summary>
    /// When set, pods the controller deletes to end a Job stay terminating (deletionTimestamp set, containers
    /// running) until <see cref="ReleasePodTerminationsAsync"/>, so the Job stays in its interim condition.
    /// </summary>
    public bool HoldPodTermination { get; set; }

    /// <summary>Lets the kubelet stop the pods held by <see cref="HoldPodTermination"/>; the Jobs then reach their final condition.</summary>
    public async Task ReleasePodTerminationsAsync(CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            HoldPodTermination = false;
            foreach (var (@namespace, name) in _heldTerminations)
            {
                TerminatePod(@namespace, name);
            }

            _heldTerminations.Clear();
        }
        finally
        {
            _mutex.Release();
        }

        await CatchUpAsync(cancellationToken);
    }

    /// <summary>Completes once the controller has handled every event up to <paramref name="revision"/>.</summary>
    public Task WaitForRevisionAsync(long revision, CancellationToken cancellationToken) => _progress.WaitForAsync(revision, cancellationToken);

    /// <summary>Waits until the controller has seen everything written so far.</summary>
    public Task CatchUpAsync(CancellationToken cancellationToken) => WaitForRevisionAsync(_store.CurrentRevision, cancellationToken);

    /// <summary>The Job's newest pod that has not terminated, after the controller caught up.</summary>
    public async Task<string> ActivePodAsync(string @namespace, string jobName, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            var job = _store.Get(_registry.Jobs, @namespace, jobName)
                ?? throw new InvalidOperationException($"Job {@namespace}/{jobName} does not exist.");
            var uid = KubeJson.Uid(job) ?? "";
            if (_jobs.TryGetValue(uid, out var state))
            {
                for (var i = state.PodNames.Count - 1; i >= 0; i--)
                {
                    var pod = _store.Get(_registry.Pods, @namespace, state.PodNames[i]);
                    if (pod is not null && !Kubelet.IsTerminal(pod) && pod["metadata"]?["deletionTimestamp"] is null)
                    {
                        return state.PodNames[i];
                    }
                }
            }

            throw new InvalidOperationException($"Job {@namespace}/{jobName} has no active pod; its status is {job["status"]?.ToJsonString()}.");
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>
    /// Waits until the kubelet could start the pod: every Secret and ConfigMap it names exists (see
    /// <see cref="PodConfig"/>). Throws <see cref="InvalidOperationException"/> with the kubelet's reason
    /// when that has not happened within the server's wait timeout, as a real pod would never start.
    /// </summary>
    public async Task WaitUntilStartableAsync(string @namespace, string pod, CancellationToken cancellationToken)
    {
        Task unblocked;
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            if (_store.Get(_registry.Pods, @namespace, pod) is not { } current || !Block(current, script: null))
            {
                return;
            }

            unblocked = _blocked[(@namespace, pod)].Started.Task;
        }
        finally
        {
            _mutex.Release();
        }

        try
        {
            await unblocked.WaitAsync(_startTimeout, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"Pod {@namespace}/{pod} was deleted or terminated before it could start.");
        }
        catch (TimeoutException)
        {
            var problem = _store.Get(_registry.Pods, @namespace, pod) is { } still ? PodConfig.Check(_store, _registry, still) : null;
            throw new InvalidOperationException(
                $"Pod {@namespace}/{pod} cannot start: {(problem?.IsMountFailure == false ? "CreateContainerConfigError: " : "ContainerCreating, ")}{problem?.Message ?? "it was blocked"} (waited {_startTimeout}).");
        }
    }

    /// <summary>Fails the Job as its activeDeadlineSeconds would; false when it had already finished.</summary>
    public async Task<bool> ExceedDeadlineAsync(string @namespace, string jobName, string? expectedUid, long? expectedDeadline, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            var job = _store.Get(_registry.Jobs, @namespace, jobName);
            if (job is null || (expectedUid is not null && KubeJson.Uid(job) != expectedUid))
            {
                return false;
            }

            // A timer for a deadline since changed: the timer of the current one decides.
            if (expectedDeadline is not null && KubeJson.Integer(job["spec"]?["activeDeadlineSeconds"]) != expectedDeadline)
            {
                return false;
            }

            if (JobStatus.IsFinished(job) || JobStatus.Interim(job) is not null || job["metadata"]?["deletionTimestamp"] is not null)
            {
                return false;
            }

            var state = State(KubeJson.Uid(job) ?? "");
            var active = ActivePods(job, state);
            Finish(job, state, active, succeeded: false, "DeadlineExceeded", "Job was active longer than specified deadline");
            return true;
        }
        finally
        {
            _mutex.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _progress.CancelWaiters();
        _mutex.Dispose();
    }

    private async Task RunAsync()
    {
        await foreach (var e in _subscription.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (e.Type == "BOOKMARK")
            {
                continue;
            }

            await _mutex.WaitAsync(CancellationToken.None);
            try
            {
                Handle(e);
            }
            catch (ApiException)
            {
                // A client changed or deleted the object meanwhile; its own event reconciles again.
            }
            catch (Exception error)
            {
                _onError(error);
            }
            finally
            {
                _mutex.Release();
            }

            _progress.Advance(e.Revision);
        }
    }

    private void Handle(StoredEvent e)
    {
        var type = _registry.ByPlural(e.Resource);
        var obj = KubeJson.ParseObject(e.ObjectJson);
        switch (e.Type)
        {
            case "DELETED":
                _collector.CollectDependents(e.Uid);
                if (type == _registry.Pods)
                {
                    _logs.Remove(e.Namespace, e.Name);
                }
                else if (type == _registry.Jobs)
                {
                    _jobs.Remove(e.Uid);
                    return;
                }

                break;
            case "ADDED" when _collector.DeleteIfOrphaned(type, obj):
                return;
            case "MODIFIED" when _collector.FinishForegroundDeletion(type, obj):
                return;
            case "MODIFIED" when _collector.DeleteIfOrphaned(type, obj):
                // Its ownerReferences were changed to name only owners that are gone, which the GC collects as well.
                return;
        }

        if (type == _registry.Pods && e.Type == "DELETED")
        {
            Unblock(e.Namespace, e.Name, started: false);
        }
        else if ((type == _registry.Secrets || type == _registry.ConfigMaps) && e.Type is "ADDED" or "MODIFIED")
        {
            RecheckBlocked(e.Namespace);
        }

        if (type == _registry.Jobs)
        {
            Reconcile(e.Namespace, e.Name, e.Uid);
        }
        else if (type == _registry.Pods && OwningJob(obj) is { } owner)
        {
            Reconcile(e.Namespace, owner.Name, owner.Uid);
            if (e.Type == "ADDED")
            {
                var script = AutoRun?.Invoke(KubeJson.Clone(obj));
                if (!Block(obj, script) && script is not null)
                {
                    StartAutoRun(obj, script);
                }
            }
        }
    }

    private void Reconcile(string @namespace, string name, string uid)
    {
        var job = _store.Get(_registry.Jobs, @namespace, name);
        if (job is null || KubeJson.Uid(job) != uid || job["metadata"]?["deletionTimestamp"] is not null)
        {
            return;
        }

        var state = State(uid);
        if (JobStatus.IsFinished(job))
        {
            ScheduleTtl(job, state);
            return;
        }

        var active = ActivePods(job, state);
        if (JobStatus.Interim(job) is { } interim)
        {
            // Decided but not ended: the final condition waits until the pods it killed have terminated.
            CompleteFinish(job, state, interim);
            return;
        }

        var spec = job["spec"] as JsonObject ?? [];
        var completions = KubeJson.Integer(spec["completions"]) ?? 1;
        var parallelism = KubeJson.Integer(spec["parallelism"]) ?? 1;
        var backoffLimit = KubeJson.Integer(spec["backoffLimit"]) ?? 6;

        if (state.Succeeded >= completions)
        {
            Finish(job, state, active, succeeded: true, "CompletionsReached", "Reached expected number of succeeded pods");
            return;
        }

        if (state.FailJobMessage is { } failJob)
        {
            Finish(job, state, active, succeeded: false, "PodFailurePolicy", failJob);
            return;
        }

        if (state.Failed > backoffLimit)
        {
            Finish(job, state, active, succeeded: false, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            return;
        }

        if (KubeJson.Boolean(spec["suspend"]) != true)
        {
            var wanted = Math.Min(parallelism, completions - state.Succeeded);
            while (active.Count < wanted)
            {
                active.Add(CreatePod(job, state));
            }
        }

        WriteStatus(job, status =>
        {
            if (KubeJson.Boolean(spec["suspend"]) != true)
            {
                status["startTime"] ??= KubeJson.Timestamp(DateTimeOffset.UtcNow);
            }

            JobStatus.SetCounts(status, state, active);
        });
        ScheduleDeadline(job, state);
    }

    /// <summary>The Job's live pods (neither terminated nor deleting), after counting the ones that finished or vanished.</summary>
    private List<JsonObject> ActivePods(JsonObject job, JobState state)
    {
        // The pods this controller created, looked up by name: listing would make every event cost a scan of the store.
        var uid = KubeJson.Uid(job) ?? "";
        var pods = state.PodNames
            .Select(name => _store.Get(_registry.Pods, KubeJson.Namespace(job) ?? "", name))
            .OfType<JsonObject>()
            .Where(pod => OwningJob(pod)?.Uid == uid)
            .ToList();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var podUid = KubeJson.Uid(pod) ?? "";
            present.Add(podUid);
            state.KnownPods.Add(podUid);
            switch (KubeJson.String(pod["status"]?["phase"]))
            {
                case "Succeeded" when state.CountedPods.Add(podUid):
                    state.Succeeded++;
                    break;
                case "Failed" when state.CountedPods.Add(podUid):
                    // As the real controller applies spec.podFailurePolicy to each failed pod: Ignore
                    // does not count it (a replacement follows), FailJob ends the Job.
                    var (action, message) = PodFailurePolicyMatch.Match(job, pod);
                    if (action == "Ignore")
                    {
                        break;
                    }

                    state.Failed++;
                    if (action == "FailJob")
                    {
                        state.FailJobMessage ??= message;
                    }

                    break;
            }
        }

        // A pod deleted before it finished counts as failed, as with the real controller's tracking finalizers.
        foreach (var vanished in state.KnownPods.Where(known => !present.Contains(known)).ToList())
        {
            state.KnownPods.Remove(vanished);
            if (state.CountedPods.Add(vanished))
            {
                state.Failed++;
            }
        }

        return pods.Where(pod => !Kubelet.IsTerminal(pod) && pod["metadata"]?["deletionTimestamp"] is null).ToList();
    }

    /// <summary>
    /// Ends the Job the way kube-controller-manager 1.32 does (JobManagedBy / JobPodReplacementPolicy on):
    /// the interim condition (<c>SuccessCriteriaMet</c> or <c>FailureTarget</c>) first, with the pods still
    /// running counted as terminating; those pods are deleted and killed by the kubelet; only once none is
    /// left terminating does the final condition (<c>Complete</c> or <c>Failed</c>) follow, in a later write.
    /// </summary>
    private void Finish(JsonObject job, JobState state, List<JsonObject> active, bool succeeded, string reason, string message)
    {
        if (!succeeded)
        {
            // Pods the controller kills on failure are counted as failed, as the real controller does.
            foreach (var pod in active)
            {
                if (state.CountedPods.Add(KubeJson.Uid(pod) ?? ""))
                {
                    state.Failed++;
                }
            }
        }

        var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
        WriteStatus(job, status =>
        {
            status["startTime"] ??= now;
            JobStatus.SetCounts(status, state, [], terminating: active.Count);
            KubeJson.GetOrAddArray(status, "conditions").Add(JobStatus.Condition(succeeded ? "SuccessCriteriaMet" : "FailureTarget", reason, message, now));
        });

        foreach (var pod in active)
        {
            // The job controller deletes the pod; the kubelet then stops its containers (see TerminatePod).
            try
            {
                _store.Delete(_registry.Pods, KubeJson.Namespace(pod) ?? "", KubeJson.Name(pod) ?? "", addFinalizer: JobTrackingFinalizer);
            }
            catch (ApiException error) when (error.Code == 404)
            {
                // Already gone.
            }
        }

        if (HoldPodTermination)
        {
            _heldTerminations.AddRange(active.Select(pod => (KubeJson.Namespace(pod) ?? "", KubeJson.Name(pod) ?? "")));
        }
        else
        {
            foreach (var pod in active)
            {
                TerminatePod(KubeJson.Namespace(pod) ?? "", KubeJson.Name(pod) ?? "");
            }
        }

        if (_store.Get(_registry.Jobs, KubeJson.Namespace(job) ?? "", KubeJson.Name(job) ?? "") is { } decided
            && JobStatus.Interim(decided) is { } interim)
        {
            CompleteFinish(decided, state, interim);
        }
    }

    /// <summary>Writes the final condition after the interim one once no pod of the Job is terminating; else updates the count.</summary>
    private void CompleteFinish(JsonObject job, JobState state, JsonObject interim)
    {
        var terminating = TerminatingPods(job, state);
        if (terminating > 0)
        {
            WriteStatus(job, status => JobStatus.SetCounts(status, state, [], terminating));
            return;
        }

        var succeeded = KubeJson.String(interim["type"]) == "SuccessCriteriaMet";
        var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
        WriteStatus(job, status =>
        {
            JobStatus.SetCounts(status, state, [], terminating: 0);
            KubeJson.GetOrAddArray(status, "conditions").Add(JobStatus.Condition(
                succeeded ? "Complete" : "Failed", KubeJson.String(interim["reason"]) ?? "", KubeJson.String(interim["message"]) ?? "", now));
            if (succeeded)
            {
                status["completionTime"] = now;
            }
        });

        if (_store.Get(_registry.Jobs, KubeJson.Namespace(job) ?? "", KubeJson.Name(job) ?? "") is { } finished)
        {
            ScheduleTtl(finished, state);
        }
    }

    /// <summary>Pods being deleted whose containers have not stopped yet (the real status.terminating).</summary>
    private int TerminatingPods(JsonObject job, JobState state) =>
        state.PodNames
            .Select(name => _store.Get(_registry.Pods, KubeJson.Namespace(job) ?? "", name))
            .OfType<JsonObject>()
            .Count(pod => pod["metadata"]?["deletionTimestamp"] is not null && !Kubelet.IsTerminal(pod));

    /// <summary>
    /// The kubelet stops a deleted pod's containers (SIGKILL after the grace period: exit 137, phase Failed),
    /// then the job controller drops its tracking finalizer, which lets the deletion complete.
    /// </summary>
    private void TerminatePod(string @namespace, string name)
    {
        try
        {
            if (_store.Get(_registry.Pods, @namespace, name) is { } pod && !Kubelet.IsTerminal(pod))
            {
                _kubelet.Kill(@namespace, name);
            }

            _store.Update(_registry.Pods, @namespace, name, current =>
            {
                if (current["metadata"]?["finalizers"] is JsonArray finalizers)
                {
                    foreach (var finalizer in finalizers.Where(f => KubeJson.String(f) == JobTrackingFinalizer).ToList())
                    {
                        finalizers.Remove(finalizer);
                    }
                }

                return current;
            });
        }
        catch (ApiException error) when (error.Code == 404)
        {
            // Already gone.
        }
    }

    private JsonObject CreatePod(JsonObject job, JobState state)
    {
        while (true)
        {
            try
            {
                var created = _store.Create(_registry.Pods, JobPods.NewPod(job, _registry));
                state.PodNames.Add(KubeJson.Name(created)!);
                state.KnownPods.Add(KubeJson.Uid(created)!);
                return created;
            }
            catch (ApiException error) when (error.Code == 409)
            {
                // The random suffix collided; draw another, as generateName does.
            }
        }
    }

    private void StartAutoRun(JsonObject pod, PodScript script) =>
        _work.Run(cancellationToken => AutoRunner.RunAsync(_kubelet, pod, script, cancellationToken));

    /// <summary>
    /// True when the kubelet cannot start the pod yet (see <see cref="PodConfig"/>): its status shows why and
    /// it is remembered, with the script to play once it can start. A pod already blocked keeps its script.
    /// </summary>
    private bool Block(JsonObject pod, PodScript? script)
    {
        var key = (KubeJson.Namespace(pod) ?? "", KubeJson.Name(pod) ?? "");
        if (Kubelet.IsTerminal(pod) || pod["metadata"]?["deletionTimestamp"] is not null || PodConfig.Check(_store, _registry, pod) is not { } problem)
        {
            return false;
        }

        if (!_blocked.TryGetValue(key, out var blocked))
        {
            _blocked[key] = blocked = new BlockedPod(pod, script);
        }

        if (blocked.Problem != problem.Message)
        {
            blocked.Problem = problem.Message;
            _kubelet.SetConfigProblem(key.Item1, key.Item2, problem);
        }

        return true;
    }

    /// <summary>As the kubelet retries a pod it could not start: once what it names exists, it starts (its script plays).</summary>
    private void RecheckBlocked(string @namespace)
    {
        foreach (var (key, blocked) in _blocked.Where(entry => entry.Key.Namespace == @namespace).ToList())
        {
            if (_store.Get(_registry.Pods, key.Namespace, key.Name) is not { } pod || Kubelet.IsTerminal(pod))
            {
                Unblock(key.Namespace, key.Name, started: false);
            }
            else if (!Block(pod, blocked.Script))
            {
                _kubelet.ClearConfigProblem(key.Namespace, key.Name);
                Unblock(key.Namespace, key.Name, started: true);
                if (blocked.Script is { } script)
                {
                    StartAutoRun(blocked.Pod, script);
                }
            }
        }
    }

    private void Unblock(string @namespace, string name, bool started)
    {
        if (_blocked.Remove((@namespace, name), out var blocked))
        {
            if (started)
            {
                blocked.Started.TrySetResult();
            }
            else
            {
                blocked.Started.TrySetCanceled();
            }
        }
    }

    private sealed class BlockedPod(JsonObject pod, PodScript? script)
    {
        public JsonObject Pod { get; } = pod;

        public PodScript? Script { get; } = script;

        public string? Problem { get; set; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void ScheduleDeadline(JsonObject job, JobState state)
    {
        // activeDeadlineSeconds may be changed on a running Job: the controller then enforces the new one.
        if (KubeJson.Integer(job["spec"]?["activeDeadlineSeconds"]) is not { } seconds || state.DeadlineScheduledFor == seconds
            || KubeJson.ParseTimestamp(KubeJson.String(job["status"]?["startTime"])) is not { } started)
        {
            return;
        }

        state.DeadlineScheduledFor = seconds;
        var due = started.AddSeconds(seconds) - DateTimeOffset.UtcNow;
        var (@namespace, name, uid) = (KubeJson.Namespace(job) ?? "", KubeJson.Name(job) ?? "", KubeJson.Uid(job));
        _work.Run(async cancellationToken =>
        {
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            await ExceedDeadlineAsync(@namespace, name, uid, seconds, cancellationToken);
        });
    }

    private void ScheduleTtl(JsonObject job, JobState state)
    {
        if (state.TtlScheduled || KubeJson.Integer(job["spec"]?["ttlSecondsAfterFinished"]) is not { } seconds)
        {
            return;
        }

        state.TtlScheduled = true;
        var finishedAt = (job["status"]?["conditions"] as JsonArray ?? [])
            .Select(condition => KubeJson.ParseTimestamp(KubeJson.String(condition?["lastTransitionTime"])))
            .Max() ?? DateTimeOffset.UtcNow;
        var due = finishedAt.AddSeconds(seconds) - DateTimeOffset.UtcNow;
        var (@namespace, name, uid) = (KubeJson.Namespace(job) ?? "", KubeJson.Name(job) ?? "", KubeJson.Uid(job));
        _work.Run(async cancellationToken =>
        {
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            try
            {
                // The TTL-after-finished controller deletes with foreground propagation.
                _store.Delete(
                    _registry.Jobs,
                    @namespace,
                    name,
                    current =>
                    {
                        if (KubeJson.Uid(current) != uid)
                        {
                            throw ApiErrors.NotFound(_registry.Jobs, name);
                        }
                    },
                    GarbageCollector.ForegroundFinalizer);
            }
            catch (ApiException error) when (error.Code == 404)
            {
                // Deleted by someone else first.
            }
        });
    }

    private void WriteStatus(JsonObject job, Action<JsonObject> change)
    {
        var uid = KubeJson.Uid(job);
        _store.Update(_registry.Jobs, KubeJson.Namespace(job) ?? "", KubeJson.Name(job) ?? "", current =>
        {
            if (KubeJson.Uid(current) != uid)
            {
                return null;
            }

            var status = current["status"] as JsonObject ?? [];
            current["status"] = status;
            change(status);
            return current;
        });
    }

    private JobState State(string uid)
    {
        if (!_jobs.TryGetValue(uid, out var state))
        {
            state = new JobState();
            _jobs[uid] = state;
        }

        return state;
    }

    private static (string Name, string Uid)? OwningJob(JsonObject obj)
    {
        foreach (var owner in obj["metadata"]?["ownerReferences"] as JsonArray ?? [])
        {
            if (KubeJson.String(owner?["kind"]) == "Job" && KubeJson.Boolean(owner?["controller"]) == true)
            {
                return (KubeJson.String(owner?["name"]) ?? "", KubeJson.String(owner?["uid"]) ?? "");
            }
        }

        return null;
    }
}
