using System.Diagnostics;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>
/// The benchmark from start to end: baselines on the bare broker and database, then MFlow's services,
/// a warm-up run, and each concurrency level measured in turn on the same broker, database and fake API.
/// </summary>
public sealed class BenchmarkRunner(BenchmarkOptions options, TextWriter progress)
{
    static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    // The warm-up runs after which the services' idle memory is read.
    const int IdleMemoryAfterRuns = 10;

    readonly Workload _workload = new(options.Stages, options.TasksPerStage, options.Kind);
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly string _loadAtStart = WorkloadInfo.LoadAverage();

    /// <summary>Runs everything and returns what was measured.</summary>
    public async Task<BenchmarkReport> RunAsync()
    {
        Say($"workload: {_workload.Stages} stages × {_workload.TasksPerStage} parallel tasks per run ({_workload.KindDescription}); levels {string.Join(", ", options.Concurrency)}");
        await using var cluster = await BenchmarkCluster.CreateAsync();
        using var broker = new BrokerStatistics(cluster.VirtualHost.Name);
        var database = new DatabaseStatistics(cluster.Database.Name);

        Say($"baseline: raw RabbitMQ.Client, {options.BaselineMessages} persistent messages, {RabbitMqBaseline.Publishers} publishers with confirms, consumed with acks");
        var rabbit = await RabbitMqBaseline.MeasureAsync(cluster.VirtualHost.Url, options.BaselineMessages);
        Say($"  {rabbit.PerSecond:N0} messages/s");
        Say($"baseline: raw Npgsql, single-row UPDATE transactions on {PostgresBaseline.Connections} connections for {options.BaselineSeconds:0.#} s");
        var postgres = await PostgresBaseline.MeasureAsync(cluster.Database.ConnectionString, TimeSpan.FromSeconds(options.BaselineSeconds));
        Say($"  {postgres.PerSecond:N0} updates/s");
        var floors = new List<FloorResult>();
        foreach (var concurrency in options.Concurrency)
        {
            var floor = await LatencyFloor.MeasureAsync(cluster.VirtualHost.Url, cluster.Database.ConnectionString, concurrency);
            floors.Add(floor);
            Say($"latency floor at {concurrency}: hop p50 {floor.Hop.P50:0.00} p99 {floor.Hop.P99:0.00} ms, commit p50 {floor.Commit.P50:0.00} p99 {floor.Commit.P99:0.00} ms " +
                $"-> boundary p50 {floor.P50:0.0} p99 {floor.P99:0.0} ms");
        }

        Say($"starting the scheduler, the aggregator and three workers (kubernetes executor) as separate processes, {options.Replicas} of each");
        await cluster.StartServicesAsync(options.WorkerQueriesPerSecond, options.Replicas);
        await using var observer = await RunObserver.StartAsync(cluster.VirtualHost.Url);
        var processes = new ProcessStatistics(cluster.Services);
        var services = cluster.Services.Keys.ToList();

        var levels = new List<LevelResult>();
        string? failure = null;
        IReadOnlyDictionary<string, double> idleMemory = new Dictionary<string, double>();
        try
        {
            // Runs of the same workload first, not measured: the services' JIT compiles their hot paths
            // to the final tier only after they ran a while, which is minutes of CPU on two cores;
            // without this the first levels would measure the compiler more than MFlow (see RunsToWarmUp).
            // The idle memory is read after the first ten of them, before the rest's peak grows the heaps,
            // so that the memory per active run counts what runs cost and not what the warm-up kept.
            var document = _workload.Document();
            var first = Math.Min(IdleMemoryAfterRuns, options.RunsToWarmUp);
            Say(options.RunsToWarmUp > first
                ? $"warm-up: {options.RunsToWarmUp} runs ({first} at once, then {options.RunsToWarmUp - first} at once; not measured)"
                : $"warm-up: {first} runs at once (not measured)");
            await WarmUpAsync(cluster, observer, processes, document, first);
            idleMemory = processes.ServiceMemoryMegabytes(services);
            if (options.RunsToWarmUp > first)
                await WarmUpAsync(cluster, observer, processes, document, options.RunsToWarmUp - first);

            var (brokerBefore, databaseBefore) = await SettleAsync(broker, database);
            foreach (var concurrency in options.Concurrency)
            {
                var (level, brokerAfter, databaseAfter) = await MeasureLevelAsync(cluster, observer, processes, broker, database, concurrency, brokerBefore, databaseBefore);
                levels.Add(level);
                (brokerBefore, databaseBefore) = (brokerAfter, databaseAfter);
            }
        }
        catch (TimeoutException ex)
        {
            failure = ex.Message;
            Say($"FAILED: {ex.Message}");
        }
        finally
        {
            if (options.ServiceLogDirectory is { } directory)
            {
                await cluster.WriteServiceLogsAsync(directory);
                Say($"service output written to {directory}");
            }
        }

        var controllerErrors = cluster.Kubernetes.ControllerErrors;
        if (controllerErrors.Count > 0)
            Say($"the fake Kubernetes API reported {controllerErrors.Count} simulation errors; first: {controllerErrors[0].Message}");

        return new BenchmarkReport
        {
            Workload = new WorkloadInfo(_workload.Stages, _workload.TasksPerStage, _workload.KindDescription, Environment.ProcessorCount)
            {
                WarmUpRuns = options.RunsToWarmUp,
                LoadAverageAtStart = _loadAtStart,
                LoadAverageAtEnd = WorkloadInfo.LoadAverage(),
            },
            RabbitMq = rabbit,
            Postgres = postgres,
            Floors = floors,
            Replicas = options.Replicas,
            Levels = levels,
            IdleMemoryMegabytes = idleMemory,
            Failure = failure,
            Duration = _clock.Elapsed,
        };
    }

    async Task<(LevelResult Level, BrokerCounters BrokerAfter, DatabaseCounters DatabaseAfter)> MeasureLevelAsync(
        BenchmarkCluster cluster, RunObserver observer, ProcessStatistics processes, BrokerStatistics broker, DatabaseStatistics database,
        int concurrency, BrokerCounters brokerBefore, DatabaseCounters databaseBefore)
    {
        Say($"level {concurrency}: submitting {concurrency} runs at once ({concurrency * _workload.TasksPerRun} tasks)");
        var kubernetes = cluster.Kubernetes;
        var requestsBefore = kubernetes.Requests.Count;
        var eventsBefore = kubernetes.Events.Count;
        var loadBefore = WorkloadInfo.LoadAverage();
        var cpuBefore = processes.CpuSeconds();
        var cpuClock = Stopwatch.StartNew();
        var logBefore = cluster.Services.ToDictionary(s => s.Key, s => s.Value.Output.Count);
        var services = cluster.Services.Keys.ToList();

        IReadOnlyList<ObservedRun> runs;
        DateTimeOffset[] submitted;
        IReadOnlyDictionary<string, double> peaks;
        await using (var sampler = new MemoryPeakSampler(processes, services))
        {
            var document = _workload.Document();
            var keys = Enumerable.Range(0, concurrency).Select(i => $"bench-{concurrency}-{i}-{Guid.NewGuid():N}").ToList();
            submitted = await Task.WhenAll(keys.Select(key => observer.SubmitAsync(key, document)));
            runs = await observer.WaitUntilFinalAsync(keys, options.LevelTimeoutFor(concurrency * _workload.TasksPerRun), () => Describe(cluster));
            peaks = sampler.Peaks;
        }

        var loadAfter = WorkloadInfo.LoadAverage();
        var firstSubmit = submitted.Min();
        var lastFinal = runs.Max(run => run.FinalAt!.Value);
        Say($"  all final after {(lastFinal - firstSubmit).TotalSeconds:0.00} s ({runs.Count(r => r.FinalState == "Succeeded")} succeeded); waiting for queues and statistics to settle");

        // The work a level causes ends when its messages are consumed (late events, outbox relays,
        // acknowledgements), not when the last run turns final: its CPU is counted until the queues are empty.
        var brokerAfter = await broker.ReadWhenSettledAsync(SettleTimeout);
        var cpuAfter = processes.CpuSeconds();
        var cpuWindow = cpuClock.Elapsed;
        var databaseAfter = await database.ReadWhenSettledAsync(SettleTimeout);
        brokerAfter = await broker.ReadAsync();
        var requests = kubernetes.Requests.Skip(requestsBefore).ToList();
        var events = kubernetes.Events.Skip(eventsBefore).ToList();
        var timeline = KubernetesTimeline.Build(kubernetes, runs, requests, events);

        var tasks = timeline.Completions().Count;
        var submittedByRun = runs.Zip(submitted).ToDictionary(p => p.First.RunId, p => p.Second);
        var firstCreates = timeline.FirstCreateRequests();
        var (toStageCompleted, toNextCreate) = timeline.DeadTimeParts(runs);
        var level = new LevelResult
        {
            Concurrency = concurrency,
            LoadAverage = (loadBefore, loadAfter),
            Runs = runs.Count,
            RunsSucceeded = runs.Count(run => run.FinalState == "Succeeded"),
            Tasks = tasks,
            Wall = lastFinal - firstSubmit,
            SteadyTasksPerSecond = SteadyRate(timeline.Completions()),
            InterStageDeadTime = Distribution.Of(timeline.InterStageDeadTimes()),
            BoundariesExpected = runs.Count * Math.Max(0, _workload.Stages - 1),
            JobsWithoutCompletion = timeline.Jobs.Count(job => job.CompletedAt is null),
            TrackerReaction = Distribution.Of(timeline.TrackerReactionTimes()),
            CompleteToStageCompleted = Distribution.Of(toStageCompleted),
            StageCompletedToNextCreate = Distribution.Of(toNextCreate),
            JobDuration = Distribution.Of(timeline.JobDurations()),
            DispatchLatency = Distribution.Of(firstCreates.Select(e => (e.Value - submittedByRun[e.Key]).TotalMilliseconds)),
            RequestsPerTaskByVerb = PerTask(requests.GroupBy(r => r.Verb), tasks),
            RequestsPerTaskByResource = PerTask(requests.GroupBy(r => $"{r.Verb} {r.Resource}{(r.Subresource is null ? "" : "/" + r.Subresource)}"), tasks),
            Broker = brokerAfter.Since(brokerBefore),
            Database = databaseAfter.Since(databaseBefore),
            CpuSeconds = cpuAfter.ToDictionary(e => e.Key, e => e.Value - cpuBefore.GetValueOrDefault(e.Key)),
            CpuWindow = cpuWindow,
            PeakMemoryMegabytes = peaks,
            EndMemoryMegabytes = processes.ServiceMemoryMegabytes(services),
            LogLines = cluster.Services.ToDictionary(s => s.Key, s =>
            {
                var lines = s.Value.Output.Skip(logBefore[s.Key]).ToList();
                return (lines.Count, lines.Count(line => line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal)));
            }),
        };
        if (level.BoundariesMeasured != level.BoundariesExpected)
            Say($"  INCOMPLETE: {level.BoundariesMeasured} of {level.BoundariesExpected} stage boundaries measured ({level.JobsWithoutCompletion} Jobs without a completion time)");
        Say($"  {level.TasksPerSecond:0.0} tasks/s, dead time p50 {level.InterStageDeadTime.P50:0.0} ms p99 {level.InterStageDeadTime.P99:0.0} ms, " +
            $"{level.RequestsPerTask:0.00} API requests, {level.MessagesPerTask:0.00} messages and {level.TransactionsPerTask:0.00} transactions per task");
        return (level, brokerAfter, databaseAfter);
    }

    async Task WarmUpAsync(BenchmarkCluster cluster, RunObserver observer, ProcessStatistics processes, string document, int runs)
    {
        var keys = Enumerable.Range(0, runs).Select(i => $"bench-warmup-{i}-{Guid.NewGuid():N}").ToList();
        await Task.WhenAll(keys.Select(key => observer.SubmitAsync(key, document)));
        await observer.WaitUntilFinalAsync(keys, options.LevelTimeoutFor(runs * _workload.TasksPerRun), () => Describe(cluster));
        await WaitUntilQuietAsync(processes);
    }

    // Until the MFlow processes together use less than a tenth of a core (background compilation done), at most 20 s.
    async Task WaitUntilQuietAsync(ProcessStatistics processes)
    {
        var services = processes.Names.Where(name => !LevelResult.Infrastructure.Contains(name)).ToList();
        for (var i = 0; i < 20; i++)
        {
            var before = processes.CpuSeconds();
            await Task.Delay(1000);
            var after = processes.CpuSeconds();
            var used = services.Sum(name => after.GetValueOrDefault(name) - before.GetValueOrDefault(name));
            if (used < 0.1)
                return;
        }

        Say("  the services did not become quiet within 20 s; measuring anyway");
    }

    // The queues drain first (the work is done), then the database's statistics catch up, which
    // takes long enough for the broker's sampled statistics to be complete too.
    static async Task<(BrokerCounters, DatabaseCounters)> SettleAsync(BrokerStatistics broker, DatabaseStatistics database)
    {
        await broker.ReadWhenSettledAsync(SettleTimeout);
        var databaseCounters = await database.ReadWhenSettledAsync(SettleTimeout);
        return (await broker.ReadAsync(), databaseCounters);
    }

    // The rate between the 10th and the 90th percentile completion: what the system sustains once
    // every run is going, without the ramp-up and the last stragglers.
    static double SteadyRate(IReadOnlyList<DateTimeOffset> completions)
    {
        if (completions.Count < 10)
            return double.NaN;
        var first = completions.Count / 10;
        var last = completions.Count * 9 / 10 - 1;
        var seconds = (completions[last] - completions[first]).TotalSeconds;
        return seconds > 0 ? (last - first) / seconds : double.NaN;
    }

    static Dictionary<string, double> PerTask(IEnumerable<IGrouping<string, RecordedRequest>> groups, int tasks) =>
        groups.ToDictionary(g => g.Key, g => tasks == 0 ? double.NaN : (double)g.Count() / tasks, StringComparer.Ordinal);

    static string Describe(BenchmarkCluster cluster) => ServiceProcess.Describe(cluster.Services.Values, 15);

    void Say(string message) => progress.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");
}
