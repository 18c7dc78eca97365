using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.IntegrationTests.Persistence;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Runs;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Twenty pipelines submitted to a <see cref="KubernetesCluster"/> while a test hits it with a fault,
/// and the invariants that must hold once they have all ended: every fault struck work in flight and
/// was followed by work, every run in its correct final state, exactly one terminal event per task
/// attempt and per run, every Job created at most once per attempt, no message left unacknowledged or
/// dropped, every service ready.
/// </summary>
/// <remarks>
/// Everything random (the pipelines, which task fails, pod timings, when and what the test breaks)
/// comes from one seed, printed first; set <see cref="SeedVariable"/> to replay a failure.
/// </remarks>
public sealed class FaultWorkload : IAsyncDisposable
{
    /// <summary>Overrides every fault test's seed, to replay a failure or explore others.</summary>
    public const string SeedVariable = "MFLOW_FAULT_SEED";

    /// <summary>How many pipelines each fault test runs.</summary>
    public const int PipelineCount = 20;

    /// <summary>Every queue MFlow's services consume from (each has an <c>_error</c> twin).</summary>
    public static readonly IReadOnlyList<string> Queues =
    [
        "mflow-scheduler", "mflow-aggregator",
        "mflow-build-worker", "mflow-deploy-worker", "mflow-vm-worker",
        "mflow-build-worker-cancel", "mflow-deploy-worker-cancel", "mflow-vm-worker-cancel",
    ];

    /// <summary>How long the runs may take to end once the fault is over (they take about 10 s unhindered).</summary>
    public static readonly TimeSpan FinalTimeout = TimeSpan.FromMinutes(3);

    private static readonly Type[] _spiedTypes =
    [
        typeof(TaskUpdated), typeof(PipelineRunSucceeded), typeof(PipelineRunFailed), typeof(PipelineRunCancelled),
        typeof(StageCompleted), typeof(RunBuildTask), typeof(RunDeployTask), typeof(RunVmTask),
    ];

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    private readonly KubernetesCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly Random _submissionRandom;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly HashSet<ServiceProcess> _killedForGood = [];
    private readonly List<StruckFault> _faults = [];
    private readonly HashSet<string> _taskIdsInJobNames;
    private IReadOnlyDictionary<string, uint> _errorsBefore = new Dictionary<string, uint>();

    private FaultWorkload(KubernetesCluster cluster, ITestOutputHelper output, string tag, int seed, int pipelineCount)
    {
        _cluster = cluster;
        _output = output;
        Seed = seed;
        Random = new Random(seed);
        Pipelines = FaultPipeline.Generate(tag, seed, Random, pipelineCount);
        Fence = FaultPipeline.Fence(tag, seed);
        _submissionRandom = new Random(Random.Next());
        foreach (var task in Pipelines.Append(Fence).SelectMany(pipeline => pipeline.Tasks))
            cluster.Script(task.Name, task.Script);
        _taskIdsInJobNames = Pipelines.Append(Fence)
            .SelectMany(pipeline => pipeline.Tasks.Select(task => RunPlanner.TaskId(pipeline.RunId, task.Name).ToString("N")[..10]))
            .ToHashSet();
    }

    /// <summary>The seed everything random here comes from.</summary>
    public int Seed { get; }

    /// <summary>The test's source of randomness for its faults (drawn from after the pipelines were generated).</summary>
    public Random Random { get; }

    /// <summary>The pipelines the faults hit.</summary>
    public IReadOnlyList<FaultPipeline> Pipelines { get; }

    /// <summary>A pipeline run once the others have ended, through every worker.</summary>
    public FaultPipeline Fence { get; }

    /// <summary>A copy of every message of interest published since the workload was created.</summary>
    public MessageSpy Spy { get; private set; } = null!;

    /// <summary>How many Jobs the pipelines create when all goes well: one per task of every stage that runs.</summary>
    public int ExpectedJobs => Pipelines.Sum(pipeline => pipeline.Tasks.Where(pipeline.IsDispatched).Sum(task => task.Attempts));

    /// <summary>Creates the workload (seed: <see cref="SeedVariable"/>, else <paramref name="defaultSeed"/>) and scripts its pods.</summary>
    public static async Task<FaultWorkload> CreateAsync(KubernetesCluster cluster, ITestOutputHelper output, string tag, int defaultSeed, int pipelineCount = PipelineCount)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var chosen) ? chosen : defaultSeed;
        output.WriteLine($"seed {seed} (replay: {SeedVariable}={seed})");
        var workload = new FaultWorkload(cluster, output, tag, seed, pipelineCount);
        workload.Spy = await MessageSpy.StartAsync(cluster.VirtualHost.Url, _spiedTypes);
        workload._errorsBefore = await workload.ErrorCountsAsync();
        var failing = workload.Pipelines.Where(p => p.FailingStage is not null).ToList();
        workload.Log($"{workload.Pipelines.Count} pipelines, {workload.Pipelines.Sum(p => p.Tasks.Count())} tasks " +
            $"({string.Join(", ", workload.Pipelines.SelectMany(p => p.Tasks).GroupBy(t => t.Kind).Select(g => $"{g.Count()} {g.Key}"))}), " +
            $"{workload.ExpectedJobs} Jobs expected; failing on purpose: {string.Join(", ", failing.Select(p => $"{p.Name} at stage {p.FailingStage}"))}");
        return workload;
    }

    /// <summary>Writes a line to the test output with the time since the workload started.</summary>
    public void Log(string message) => _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:0.000} s] {message}");

    /// <summary>
    /// Submits the pipelines through the HTTP API: half at once, the rest one by one with random gaps,
    /// so the faults also hit submissions. A request that fails (the scheduler is down) is retried with
    /// the same idempotency key.
    /// </summary>
    public async Task SubmitAllAsync()
    {
        var half = Pipelines.Count / 2;
        await Task.WhenAll(Pipelines.Take(half).Select(SubmitAsync));
        Log($"{half} runs submitted");
        var gaps = Pipelines.Skip(half).Select(_ => TimeSpan.FromMilliseconds(_submissionRandom.Next(100, 600))).ToList();
        foreach (var (pipeline, gap) in Pipelines.Skip(half).Zip(gaps))
        {
            await Task.Delay(gap); // pacing the submissions, not waiting for an outcome
            await SubmitAsync(pipeline);
        }

        Log($"all {Pipelines.Count} runs submitted");
    }

    /// <summary>How many Jobs of these runs the fake API server created (201) since the workload started.</summary>
    public int JobsCreated() => JobCreates().Count(request => request.StatusCode == 201);

    // The requests to create a Job of these runs since the workload started. The cluster is shared: an
    // earlier test's run may still be going (one it left stuck moves again when this test restarts a
    // service) and its Jobs are not this workload's. A create is told apart by the Job's name (the
    // apiserver's audit log records it), which ends with the task id's first ten hex digits and the attempt.
    private List<RecordedRequest> JobCreates() =>
        _cluster.Kubernetes.Requests
            .Where(request => request is { Verb: "create", Resource: "jobs", Name: { } name } && request.Timestamp >= _startedAt && name.Split('-') is [.., var taskId, _] && _taskIdsInJobNames.Contains(taskId))
            .ToList();

    /// <summary>Waits until the fake API server created at least <paramref name="count"/> Jobs: how far the runs have come.</summary>
    public Task WaitForJobsCreatedAsync(int count) =>
        Eventually.UntilAsync(() => Task.FromResult(JobsCreated()), created => created >= count, FinalTimeout, $"{count} Jobs were created");

    /// <summary>Records the start of a fault: the Jobs as they are now (see <see cref="FaultEvidence.MidFlight"/>).</summary>
    public StruckFault BeginFault(string name)
    {
        var fault = new StruckFault(name, SightJobs());
        _faults.Add(fault);
        return fault;
    }

    /// <summary>Records that the system has recovered from <paramref name="fault"/>: the Jobs as they are now.</summary>
    public void EndFault(StruckFault fault) => fault.AtRecovery = SightJobs();

    /// <summary>Kills a service (SIGKILL), leaves it down for <paramref name="downtime"/>, starts it again and waits until it is ready.</summary>
    public async Task KillAndRestartAsync(ServiceProcess service, TimeSpan downtime)
    {
        var fault = BeginFault($"kill {service.Name}");
        service.Kill();
        Log($"killed {service.Name} ({JobsCreated()}/{ExpectedJobs} Jobs created, {RunsWithAJobRunning()} runs with a Job running)");
        await Task.Delay(downtime); // the fault: the service stays down this long
        var clock = Stopwatch.StartNew();
        await service.RestartAsync();
        await service.WaitUntilHealthyAsync(KubernetesCluster.StartTimeout);
        EndFault(fault);
        Log($"{service.Name} ready again {clock.ElapsedMilliseconds} ms after its restart (down {downtime.TotalMilliseconds:0} ms + start)");
    }

    /// <summary>
    /// Kills a replica (SIGKILL) for good: the others carry on, and the checks at the end leave it out.
    /// The caller ends the returned fault (<see cref="EndFault"/>) once another replica took over.
    /// </summary>
    public StruckFault KillForGood(ServiceProcess service)
    {
        var fault = BeginFault($"kill {service.Name} for good");
        service.Kill();
        _killedForGood.Add(service);
        Log($"killed {service.Name} for good ({JobsCreated()}/{ExpectedJobs} Jobs created, {RunsWithAJobRunning()} runs with a Job running)");
        return fault;
    }

    /// <summary>
    /// Submits every pipeline and, once 20–50 % of the Jobs exist plus a random 0–400 ms, restarts a
    /// server the services share (<paramref name="restart"/>, named <paramref name="server"/> in the log).
    /// </summary>
    public async Task RestartMidRunAsync(string server, bool crash, Func<Task> restart)
    {
        var afterJobs = (int)(ExpectedJobs * (0.2 + (Random.NextDouble() * 0.3)));
        var delay = TimeSpan.FromMilliseconds(Random.Next(0, 400));
        Log($"plan: {(crash ? "crash" : "stop")} and start {server} after {afterJobs} Jobs + {delay.TotalMilliseconds:0} ms");

        var submitting = SubmitAllAsync();
        await WaitForJobsCreatedAsync(afterJobs);
        await Task.Delay(delay); // the random moment of the fault
        Log($"restarting {server} ({JobsCreated()}/{ExpectedJobs} Jobs created)");
        var fault = BeginFault($"{(crash ? "crash" : "restart")} {server}");
        var clock = Stopwatch.StartNew();
        await restart();
        EndFault(fault);
        Log($"{server} up again after {clock.ElapsedMilliseconds} ms");
        await submitting;
    }

    /// <summary>Waits until every run has ended and returns them, in the order of <see cref="Pipelines"/>.</summary>
    public async Task<IReadOnlyList<RunView>> WaitUntilAllFinalAsync()
    {
        try
        {
            var progress = await Eventually.UntilAsync(
                async () => new Progress(Pipelines, await ListRunsAsync()),
                progress => progress.AllFinal,
                FinalTimeout,
                $"all {Pipelines.Count} runs are final");
            Log($"all runs final: {progress}");
            // The list shows summaries; each run's stages and tasks come from the run itself.
            var runs = new List<RunView>();
            foreach (var run in progress.Runs!)
                runs.Add(await _cluster.WaitUntilFinalAsync(run.Id, FinalTimeout));
            return runs;
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\n{await SaveServiceLogsAsync()}\n{_cluster.DescribeServices(60)}", exception);
        }
    }

    /// <summary>
    /// Checks the invariants once every run has ended: each fault recorded (<see cref="BeginFault"/>)
    /// struck work in flight and was followed by work; the stored outcome of each task and run is
    /// exactly right; and on the wire each task attempt and each run ended exactly once, counted by
    /// MessageId (<see cref="FaultEvidence.ExactlyOnce"/>): copies of one message are redeliveries a
    /// subscriber drops by MessageId, never a second event.
    /// </summary>
    /// <param name="injectedErrors">The messages the test injected, by queue, each of which must now sit in that queue's _error twin.</param>
    public async Task AssertInvariantsAsync(IReadOnlyDictionary<string, int>? injectedErrors = null)
    {
        var finals = await WaitUntilAllFinalAsync();
        var violations = new List<string>();

        // Every worker still does its job, and its tracker has handled what it saw before the fence.
        await SubmitAsync(Fence);
        var fence = await _cluster.WaitUntilFinalAsync(Fence.RunId, FinalTimeout);
        if (fence.State != "Succeeded")
            violations.Add($"the fence run after the faults is {Runs.Summary(fence)}");

        await WaitUntilQueuesAreDrainedAsync();
        await AssertServicesReadyAsync();

        var views = new List<RunView>();
        foreach (var pipeline in Pipelines)
            views.Add(await _cluster.GetRunAsync(pipeline.RunId));
        Log($"runs as the API shows them: {string.Join(", ", views.GroupBy(v => v.State).Select(g => $"{g.Count()} {g.Key}"))}");

        CheckFaultsStruckMidFlight(violations);
        CheckRunsAsShown(views, violations);
        await CheckStoredStateAsync(views, violations);
        CheckJobs(views, violations);
        await CheckPublishedOutcomesAsync(views, violations);
        await CheckErrorQueuesAsync(injectedErrors ?? new Dictionary<string, int>(), violations);
        await CheckRunCountAsync(violations);

        if (violations.Count > 0)
        {
            Assert.Fail($"{violations.Count} invariants broken (seed {Seed}):\n  " + string.Join("\n  ", violations) +
                $"\nfinal runs: {string.Join("; ", finals.Select(Runs.Summary))}\n{await SaveServiceLogsAsync()}\n{_cluster.DescribeServices(60)}");
        }
    }

    /// <summary>The number of messages in each MFlow queue's _error twin (0 when MassTransit has not created it).</summary>
    public async Task<IReadOnlyDictionary<string, uint>> ErrorCountsAsync()
    {
        var existing = (await _cluster.VirtualHost.ListQueuesAsync()).Select(queue => queue.Name).ToHashSet();
        var counts = new Dictionary<string, uint>();
        foreach (var queue in Queues)
            counts[queue] = existing.Contains(queue + "_error") ? await _cluster.VirtualHost.QueueDepthAsync(queue + "_error") : 0;
        return counts;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Spy is not null)
            await Spy.DisposeAsync();
    }

    // Every service's whole output, and the fake API server's Jobs and requests, for a failure to be read.
    private async Task<string> SaveServiceLogsAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mflow-faults-{Fence.Name}-{Seed}-{DateTime.UtcNow:HHmmss}");
        Directory.CreateDirectory(directory);
        foreach (var service in _cluster.Services)
            await File.WriteAllLinesAsync(Path.Combine(directory, service.Name + ".log"), service.Output);
        await File.WriteAllLinesAsync(Path.Combine(directory, "jobs.txt"), _cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace).Select(job => job.ToJsonString()));
        await File.WriteAllLinesAsync(Path.Combine(directory, "requests.txt"), _cluster.Kubernetes.Requests.Where(r => r.Timestamp >= _startedAt).Select(r => r.ToString()));
        return $"service logs, Jobs and API requests saved in {directory}";
    }

    private async Task<Guid> SubmitAsync(FaultPipeline pipeline)
    {
        var accepted = await Eventually.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/runs")
                {
                    Content = new StringContent(pipeline.Document(), Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", pipeline.IdempotencyKey);
                using var response = await _cluster.Api.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                // 201 the first time; 200 when an earlier try was accepted but its answer was lost.
                if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                    throw new HttpRequestException($"POST /api/v1/runs for {pipeline.Name} answered {(int)response.StatusCode}: {body}");
                return JsonSerializer.Deserialize<RunAccepted>(body, _json)!;
            },
            _ => true,
            FinalTimeout,
            $"the scheduler accepts run {pipeline.Name}");
        Assert.Equal(pipeline.RunId, accepted.Id);
        return accepted.Id;
    }

    private async Task<IReadOnlyList<RunSummaryView>> ListRunsAsync()
    {
        using var response = await _cluster.Api.GetAsync("/api/v1/runs?limit=500");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<RunSummaryView>>(_json))!;
    }

    // Read from the fake API server alone (no HTTP call in the middle of a fault), for the log line.
    private int RunsWithAJobRunning()
    {
        var runIds = Pipelines.Select(p => p.RunId.ToString()).ToHashSet();
        return _cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace)
            .Where(job => KubernetesCluster.Label(job, "mflow.dev/run-id") is { } run && runIds.Contains(run))
            .Where(job => job["status"]?["completionTime"] is null && job["status"]?["conditions"] is null)
            .Select(job => KubernetesCluster.Label(job, "mflow.dev/run-id"))
            .Distinct()
            .Count();
    }

    private async Task WaitUntilQueuesAreDrainedAsync()
    {
        // Nothing ready, nothing delivered and unacknowledged, and a consumer on every queue: each
        // service reconnected and took up its work again. Ready counts come from the broker itself;
        // unacknowledged ones from the management API (sampled every 500 ms).
        await Eventually.UntilAsync(
            async () =>
            {
                var listed = await _cluster.VirtualHost.ListQueuesAsync();
                var problems = new List<string>();
                foreach (var name in Queues)
                {
                    var queue = listed.FirstOrDefault(q => q.Name == name);
                    var ready = await _cluster.VirtualHost.QueueDepthAsync(name);
                    if (queue is null || ready != 0 || queue.MessagesReady != 0 || queue.MessagesUnacknowledged != 0 || queue.Consumers < 1)
                        problems.Add($"{name}: ready {ready}/{queue?.MessagesReady}, unacked {queue?.MessagesUnacknowledged}, consumers {queue?.Consumers}");
                }

                return problems;
            },
            problems => problems.Count == 0,
            TimeSpan.FromSeconds(60),
            "every MFlow queue is empty, with nothing unacknowledged and a consumer attached");
        Log("every MFlow queue drained, each with its consumer");
    }

    private async Task AssertServicesReadyAsync()
    {
        foreach (var service in _cluster.Services.Except(_killedForGood))
        {
            Assert.False(service.HasExited, $"{service.Name} exited with {service.ExitCode}:\n{service.OutputTail()}");
            await service.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        }

        Log("every service answers /health/ready with 200");
    }

    // Read from the fake API server alone: taking it costs no call to a service in the middle of a fault.
    private IReadOnlyList<JobSighting> SightJobs()
    {
        var runIds = Pipelines.Select(p => p.RunId).ToHashSet();
        return _cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace)
            .Select(job => (Job: job, Run: Guid.TryParse(KubernetesCluster.Label(job, "mflow.dev/run-id"), out var run) ? run : Guid.Empty))
            .Where(sighting => runIds.Contains(sighting.Run))
            .Select(sighting => new JobSighting(
                sighting.Job["metadata"]!["name"]!.GetValue<string>(),
                sighting.Run,
                (sighting.Job["status"]?["conditions"] as System.Text.Json.Nodes.JsonArray ?? []).Any(condition =>
                    condition?["type"]?.GetValue<string>() is "Complete" or "Failed" && condition["status"]?.GetValue<string>() == "True")))
            .ToList();
    }

    private void CheckFaultsStruckMidFlight(List<string> violations)
    {
        if (_faults.Count == 0)
        {
            violations.Add("no fault was recorded: the test proved nothing about one");
            return;
        }

        var jobsPerRun = Pipelines.ToDictionary(pipeline => pipeline.RunId, pipeline => pipeline.Tasks.Where(pipeline.IsDispatched).Sum(task => task.Attempts));
        var atEnd = SightJobs();
        foreach (var fault in _faults)
        {
            var found = FaultEvidence.MidFlight(fault, jobsPerRun, atEnd);
            violations.AddRange(found);
            var finishedAtStart = fault.AtStart.Count(job => job.Finished);
            var after = fault.AtRecovery is { } recovered ? FaultEvidence.WorkAfter(recovered, atEnd) : (Created: 0, Finished: 0);
            Log($"{fault.Name}: began with {fault.AtStart.Count} of {ExpectedJobs} Jobs created, {fault.AtStart.Count - finishedAtStart} unfinished; "
                + $"after the recovery {after.Created} Jobs were created and {after.Finished} finished{(found.Count == 0 ? "" : " (not mid-flight)")}");
        }
    }

    private void CheckRunsAsShown(IReadOnlyList<RunView> views, List<string> violations)
    {
        foreach (var (pipeline, run) in Pipelines.Zip(views))
        {
            var where = $"run {pipeline.Name} ({run.Id})";
            if (run.State != pipeline.ExpectedState)
                violations.Add($"{where} is {run.State}, expected {pipeline.ExpectedState}: {Runs.Summary(run)}");
            for (var stage = 0; stage < pipeline.Stages.Count; stage++)
            {
                if (run.Stages[stage].State != pipeline.ExpectedStageState(stage))
                    violations.Add($"{where} stage {stage} is {run.Stages[stage].State}, expected {pipeline.ExpectedStageState(stage)}");
            }

            foreach (var task in pipeline.Tasks)
            {
                var shown = run.Task(task.Name);
                var expected = pipeline.IsDispatched(task) ? task.ExpectedState : "Waiting";
                if (shown.State != expected)
                    violations.Add($"{where} task {task.Name} is {shown.State}, expected {expected}");
                else if (expected == "Failed" && (shown.ExitCode != task.ExitCode || shown.Reason != "BackoffLimitExceeded"))
                    violations.Add($"{where} task {task.Name} failed with exit code {shown.ExitCode} ({shown.Reason}), expected {task.ExitCode} (BackoffLimitExceeded)");
                else if (expected == "Succeeded" && shown.Outputs.GetValueOrDefault("RESULT") != task.Result)
                    violations.Add($"{where} task {task.Name} has RESULT={shown.Outputs.GetValueOrDefault("RESULT")}, expected {task.Result}");
            }
        }
    }

    private async Task CheckStoredStateAsync(IReadOnlyList<RunView> views, List<string> violations)
    {
        foreach (var (pipeline, run) in Pipelines.Zip(views))
        {
            var row = await StoredRuns.ReadAsync(_cluster.Database, run.Id);
            if (row is null)
            {
                violations.Add($"run {pipeline.Name} has no stored state");
                continue;
            }

            if (row.CurrentState != pipeline.ExpectedState)
                violations.Add($"run {pipeline.Name} is stored as {row.CurrentState}, expected {pipeline.ExpectedState}");

            // The rows' counters against the distinct transitions: a stage's tasks_ended moves once per
            // task that ended, so a duplicate applied twice (or an end lost) shows here.
            for (var stage = 0; stage < pipeline.Stages.Count; stage++)
            {
                var dispatched = pipeline.Stages[stage].Count(pipeline.IsDispatched);
                var failing = pipeline.Stages[stage].Count(task => pipeline.IsDispatched(task) && task.Fails);
                var (ended, failed) = await StoredRuns.StageCountersAsync(_cluster.Database, run.Id, stage);
                if ((ended, failed) != (dispatched, failing))
                    violations.Add($"run {pipeline.Name} stage {stage} counts {ended} tasks ended, {failed} failed; its distinct task ends are {dispatched}, {failing} failed");
            }
            var state = row.State;
            foreach (var task in pipeline.Tasks)
            {
                var record = state.Tasks.GetValueOrDefault(run.Task(task.Name).Id);
                if (!pipeline.IsDispatched(task))
                {
                    if (record?.State is not null)
                        violations.Add($"run {pipeline.Name} task {task.Name} was never dispatched but is stored as {record.State}");
                    continue;
                }

                // One terminal state per task: its last attempt's, applied once (its sequence), never overwritten;
                // and one per earlier attempt, each of which failed and was retried.
                var expected = task.Fails ? TaskState.Failed : TaskState.Succeeded;
                if (record is null || record.State != expected || record.Attempt != task.Attempts || record.Sequence != TaskSequence.Of(task.Attempts, expected))
                    violations.Add($"run {pipeline.Name} task {task.Name} is stored as {record?.State} (attempt {record?.Attempt}, sequence {record?.Sequence}), expected {expected} (attempt {task.Attempts}, sequence {TaskSequence.Of(task.Attempts, expected)})");
                var attempts = state.Attempts.GetValueOrDefault(run.Task(task.Name).Id) ?? [];
                if (!attempts.Select(a => (a.Attempt, a.State)).SequenceEqual(Enumerable.Range(1, task.Attempts).Select(a => (a, (TaskState?)expected))))
                    violations.Add($"run {pipeline.Name} task {task.Name} has attempts [{string.Join(", ", attempts.Select(a => $"{a.Attempt}:{a.State}"))}], expected {task.Attempts} ending {expected}");
            }
        }
    }

    private void CheckJobs(IReadOnlyList<RunView> views, List<string> violations)
    {
        var runIds = Pipelines.Append(Fence).Select(p => p.RunId.ToString()).ToHashSet();
        var jobs = _cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace)
            .Where(job => KubernetesCluster.Label(job, "mflow.dev/run-id") is { } run && runIds.Contains(run))
            .ToList();
        var names = jobs.Select(job => job["metadata"]!["name"]!.GetValue<string>()).ToHashSet();

        // At most one Job per task attempt, each created by exactly one successful request (a
        // redelivered command gets 409 AlreadyExists and adopts the Job).
        foreach (var attempt in jobs.GroupBy(job => (Task: KubernetesCluster.Label(job, "mflow.dev/task-id"), Attempt: KubernetesCluster.Label(job, "mflow.dev/attempt"))).Where(g => g.Count() > 1))
            violations.Add($"task {attempt.Key.Task} attempt {attempt.Key.Attempt} has {attempt.Count()} Jobs");
        var added = _cluster.Kubernetes.Events.Where(e => e is { Resource: "jobs", Type: "ADDED" } && names.Contains(e.Name)).GroupBy(e => e.Name);
        foreach (var job in added.Where(g => g.Count() > 1))
            violations.Add($"Job {job.Key} was created {job.Count()} times");
        // And none was deleted (nothing here cancels a run or leaves a pod stuck, and finished Jobs live
        // an hour): every Job of these runs the API server accepted since the start is still there.
        var creates = JobCreates();
        var created = creates.Count(r => r.StatusCode == 201);
        if (created != names.Count)
            violations.Add($"{created} successful Job creates for {names.Count} Jobs");
        var others = _cluster.Kubernetes.Requests.Count(r => r is { Verb: "create", Resource: "jobs", StatusCode: 201 } && r.Timestamp >= _startedAt) - created;
        Log($"Jobs: {names.Count} for {runIds.Count} runs; create requests answered {string.Join(", ", creates.GroupBy(r => r.StatusCode).Select(g => $"{g.Key} x{g.Count()}"))}"
            + (others > 0 ? $"; {others} Jobs of other runs (an earlier test's) were created meanwhile" : ""));

        // One Job per attempt of a dispatched task, none for a stage after a failed one.
        foreach (var (pipeline, run) in Pipelines.Zip(views))
        {
            foreach (var task in pipeline.Tasks)
            {
                var id = run.Task(task.Name).Id.ToString();
                var count = jobs.Count(job => KubernetesCluster.Label(job, "mflow.dev/task-id") == id);
                var expected = pipeline.IsDispatched(task) ? task.Attempts : 0;
                if (count != expected)
                    violations.Add($"run {pipeline.Name} task {task.Name} has {count} Jobs, expected {expected}");
            }
        }
    }

    private async Task CheckPublishedOutcomesAsync(IReadOnlyList<RunView> views, List<string> violations)
    {
        var runIds = Pipelines.Select(p => p.RunId).ToHashSet();
        var spied = await Spy.DrainAsync();
        var updates = spied
            .Where(m => m.MessageType == SpiedMessage.UrnOf(typeof(TaskUpdated)))
            .Select(m => (m.MessageId, Update: m.Message.Deserialize<TaskUpdated>(_json)!))
            .Where(u => runIds.Contains(u.Update.RunId))
            .ToList();
        var redelivered = new List<string>();
        foreach (var (pipeline, run) in Pipelines.Zip(views))
        {
            foreach (var task in pipeline.Tasks)
            {
                var taskId = run.Task(task.Name).Id;
                var mine = updates.Where(u => u.Update.TaskId == taskId).ToList();
                if (!pipeline.IsDispatched(task))
                {
                    if (mine.Count > 0)
                        violations.Add($"run {pipeline.Name} task {task.Name} was never dispatched but {mine.Count} TaskUpdated were published");
                    continue;
                }

                // Each attempt ends exactly once: a failing task in each of its attempts (a retry each), the others in attempt 1.
                var terminal = mine.Where(u => u.Update.State is TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled).ToList();
                foreach (var attempt in terminal.Select(u => u.Update.Attempt).Concat(Enumerable.Range(1, task.Attempts)).Distinct())
                {
                    var expected = (attempt, task.Fails ? TaskState.Failed : TaskState.Succeeded, task.Fails ? task.ExitCode : 0, task.Fails ? null : task.Result).ToString();
                    var copies = terminal.Where(u => u.Update.Attempt == attempt)
                        .Select(u => (u.MessageId, Outcome: (u.Update.Attempt, u.Update.State, u.Update.ExitCode, u.Update.Outputs.GetValueOrDefault("RESULT")).ToString()))
                        .ToList();
                    if (attempt > task.Attempts)
                        violations.Add($"run {pipeline.Name} task {task.Name} ({task.Kind}) has an attempt {attempt}; it makes {task.Attempts}");
                    else
                        violations.AddRange(FaultEvidence.ExactlyOnce($"run {pipeline.Name} task {task.Name} ({task.Kind}) attempt {attempt}", copies, expected));
                    if (copies.Count > 1)
                        redelivered.Add($"{task.Name} ({task.Kind}) x{copies.Count} by {string.Join(",", terminal.Select(u => u.Update.Worker))}");
                }
            }
        }

        string[] runEventTypes = [SpiedMessage.UrnOf(typeof(PipelineRunSucceeded)), SpiedMessage.UrnOf(typeof(PipelineRunFailed)), SpiedMessage.UrnOf(typeof(PipelineRunCancelled))];
        var runEvents = spied
            .Where(m => runEventTypes.Contains(m.MessageType))
            .Select(m => (m.MessageId, Type: m.MessageType[(m.MessageType.LastIndexOf(':') + 1)..], RunId: m.Message.GetProperty("runId").GetGuid()))
            .Where(e => runIds.Contains(e.RunId))
            .ToList();
        var repeatedRuns = new List<string>();
        foreach (var pipeline in Pipelines)
        {
            var copies = runEvents.Where(e => e.RunId == pipeline.RunId).Select(e => (e.MessageId, Outcome: e.Type)).ToList();
            violations.AddRange(FaultEvidence.ExactlyOnce($"run {pipeline.Name}", copies, "PipelineRun" + pipeline.ExpectedState));
            if (copies.Count > 1)
                repeatedRuns.Add($"{pipeline.Name} x{copies.Count}");
        }

        Log($"{updates.Count} TaskUpdated published for these runs; terminal TaskUpdated delivered more than once (same MessageId): {(redelivered.Count == 0 ? "none" : string.Join("; ", redelivered))}; " +
            $"terminal run events delivered more than once (same MessageId): {(repeatedRuns.Count == 0 ? "none" : string.Join("; ", repeatedRuns))}");
    }

    private async Task CheckErrorQueuesAsync(IReadOnlyDictionary<string, int> injected, List<string> violations)
    {
        // Every message the test injected was faulted to its queue's _error twin, and nothing else was:
        // a legitimate message there would be a run that can never finish.
        var after = await ErrorCountsAsync();
        foreach (var queue in Queues)
        {
            var added = (long)after[queue] - _errorsBefore[queue];
            var expected = injected.GetValueOrDefault(queue);
            if (added != expected)
                violations.Add($"{queue}_error gained {added} messages, {expected} were injected");
        }

        var skipped = (await _cluster.VirtualHost.ListQueuesAsync()).Where(q => q.Name.EndsWith("_skipped", StringComparison.Ordinal)).ToList();
        foreach (var queue in skipped)
        {
            var depth = await _cluster.VirtualHost.QueueDepthAsync(queue.Name);
            if (depth > 0)
                violations.Add($"{queue.Name} holds {depth} messages no consumer took");
        }
    }

    private async Task CheckRunCountAsync(List<string> violations)
    {
        // A submission retried through a fault started no second run.
        var names = Pipelines.Append(Fence).Select(p => p.Name).ToHashSet();
        var runs = (await ListRunsAsync()).Where(run => names.Contains(run.Pipeline)).ToList();
        if (runs.Count != names.Count)
            violations.Add($"{runs.Count} runs of these {names.Count} pipelines exist");
    }

    /// <summary>The runs of the workload as the list API shows them, for polling and timeout messages.</summary>
    private sealed record Progress(IReadOnlyList<FaultPipeline> Pipelines, IReadOnlyList<RunSummaryView> Listed)
    {
        public IReadOnlyList<RunSummaryView>? Runs { get; } = Find(Pipelines, Listed);

        public bool AllFinal => Runs is not null && Runs.All(run => Support.Runs.IsFinal(run.State));

        public override string ToString() =>
            Runs is null
                ? $"{Pipelines.Count(p => Listed.All(run => run.Id != p.RunId))} runs not submitted yet"
                : string.Join(", ", Runs.GroupBy(run => run.State).Select(g => $"{g.Count()} {g.Key}")) +
                  (AllFinal ? "" : "; not final: " + string.Join("; ", Runs.Where(run => !Support.Runs.IsFinal(run.State)).Select(run => $"{run.Pipeline} {run.State}")));

        private static List<RunSummaryView>? Find(IReadOnlyList<FaultPipeline> pipelines, IReadOnlyList<RunSummaryView> listed)
        {
            var found = pipelines.Select(p => listed.FirstOrDefault(run => run.Id == p.RunId)).ToList();
            return found.All(run => run is not null) ? found.Select(run => run!).ToList() : null;
        }
    }
}
