namespace MFlow.Benchmarks;

/// <summary>Everything one benchmark run measured.</summary>
public sealed record BenchmarkReport
{
    /// <summary>The workload each run executes.</summary>
    public required WorkloadInfo Workload { get; init; }

    /// <summary>The raw RabbitMQ publish-with-confirm + consume rate on the same broker.</summary>
    public required BaselineResult RabbitMq { get; init; }

    /// <summary>The raw PostgreSQL single-row UPDATE rate on the same database.</summary>
    public required BaselineResult Postgres { get; init; }

    /// <summary>The latency floor of a stage boundary at each concurrency level, measured on the same broker and database.</summary>
    public required IReadOnlyList<FloorResult> Floors { get; init; }

    /// <summary>Processes of every service.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The floor measured at a level's concurrency.</summary>
    public FloorResult? FloorAt(int concurrency) => Floors.FirstOrDefault(floor => floor.Concurrency == concurrency);

    /// <summary>The level with exactly <paramref name="concurrency"/> runs, if measured.</summary>
    public LevelResult? Level(int concurrency) => Levels.FirstOrDefault(level => level.Concurrency == concurrency);

    /// <summary>One entry per concurrency level, in the order measured.</summary>
    public required IReadOnlyList<LevelResult> Levels { get; init; }

    /// <summary>Each service's resident memory after start-up and the warm-up's first ten runs (MB).</summary>
    public required IReadOnlyDictionary<string, double> IdleMemoryMegabytes { get; init; }

    /// <summary>Why the benchmark stopped early, if it did.</summary>
    public string? Failure { get; init; }

    /// <summary>How long the whole benchmark took (servers excluded: bench.sh starts them).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>True when every level ran and every run of it succeeded.</summary>
    public bool AllRunsSucceeded => Failure is null && Levels.All(level => level.RunsSucceeded == level.Runs);

    /// <summary>What the figures leave out: levels whose measured stage boundaries are not the expected ones.</summary>
    public IReadOnlyList<string> Gaps => Levels
        .Where(level => level.BoundariesMeasured != level.BoundariesExpected)
        .Select(level => $"level {level.Concurrency}: {level.BoundariesMeasured} of {level.BoundariesExpected} stage boundaries measured" +
            (level.JobsWithoutCompletion > 0 ? $" ({level.JobsWithoutCompletion} Jobs without a completion time)" : ""))
        .ToList();

    /// <summary>True when the benchmark ran to its end and every figure covers what it should.</summary>
    public bool Complete => AllRunsSucceeded && Gaps.Count == 0;

    /// <summary>The level with the most concurrent runs.</summary>
    public LevelResult? Busiest => Levels.MaxBy(level => level.Concurrency);

    /// <summary>Each service's resident memory at the end (MB).</summary>
    public IReadOnlyDictionary<string, double> EndMemoryMegabytes => Levels.LastOrDefault()?.EndMemoryMegabytes ?? IdleMemoryMegabytes;

    /// <summary>Per service: growth from idle to the peak of the busiest level, divided by its concurrent runs (MB per active run).</summary>
    public IReadOnlyDictionary<string, double> MemoryPerActiveRunMegabytes => Busiest is not { } busiest
        ? new Dictionary<string, double>()
        : busiest.PeakMemoryMegabytes.ToDictionary(
            e => e.Key,
            e => Math.Max(0, e.Value - IdleMemoryMegabytes.GetValueOrDefault(e.Key)) / busiest.Concurrency);
}

/// <summary>The workload, for the report.</summary>
public sealed record WorkloadInfo(int Stages, int TasksPerStage, string Kinds, int Cores)
{
    /// <summary>The runs executed before the first level, not measured.</summary>
    public int WarmUpRuns { get; init; }

    /// <summary>The 1, 5 and 15 minute load averages when the benchmark started: anything else running skews every figure.</summary>
    public string LoadAverageAtStart { get; init; } = "";

    /// <summary>The load averages when it ended.</summary>
    public string LoadAverageAtEnd { get; init; } = "";

    /// <summary>The machine's 1, 5 and 15 minute load averages now.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

/// <summary>What one concurrency level measured.</summary>
public sealed record LevelResult
{
    /// <summary>Runs submitted at once.</summary>
    public required int Concurrency { get; init; }

    /// <summary>The machine's load averages when the level started and when its runs were all final.</summary>
    public required (string Start, string End) LoadAverage { get; init; }

    /// <summary>Runs that reached a final state.</summary>
    public required int Runs { get; init; }

    /// <summary>Runs that succeeded.</summary>
    public required int RunsSucceeded { get; init; }

    /// <summary>Tasks whose Job completed.</summary>
    public required int Tasks { get; init; }

    /// <summary>From the first StartPipeline published to the last run's terminal event received.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>Tasks per second over <see cref="Wall"/>.</summary>
    public double TasksPerSecond => Tasks / Wall.TotalSeconds;

    /// <summary>Tasks per second between the 10th and the 90th percentile of Job completions (start and drain excluded).</summary>
    public required double SteadyTasksPerSecond { get; init; }

    /// <summary>Last Job of a stage complete → first create request of the next stage, per run and boundary (ms).</summary>
    public required Distribution InterStageDeadTime { get; init; }

    /// <summary>Stage boundaries the dead time was measured at (one per run and pair of adjacent stages whose Jobs all completed).</summary>
    public int BoundariesMeasured => InterStageDeadTime.Samples;

    /// <summary>Stage boundaries the level's runs crossed: runs × (stages − 1).</summary>
    public required int BoundariesExpected { get; init; }

    /// <summary>The level's Jobs the timeline has no completion time for (their stage's boundary is not measured).</summary>
    public required int JobsWithoutCompletion { get; init; }

    /// <summary>Of the dead time: last Job complete → the worker's request for its log (ms).</summary>
    public required Distribution TrackerReaction { get; init; }

    /// <summary>Of the dead time: last Job complete → its stage's StageCompleted heard by the observer (ms).</summary>
    public required Distribution CompleteToStageCompleted { get; init; }

    /// <summary>Of the dead time: StageCompleted heard → the next stage's first Job create request (ms).</summary>
    public required Distribution StageCompletedToNextCreate { get; init; }

    /// <summary>A Job's create request → marked Complete (ms): how long the fake's "instant" pods take on this machine.</summary>
    public required Distribution JobDuration { get; init; }

    /// <summary>StartPipeline published → first Job create request, per run (ms).</summary>
    public required Distribution DispatchLatency { get; init; }

    /// <summary>Kubernetes API requests per task, by verb.</summary>
    public required IReadOnlyDictionary<string, double> RequestsPerTaskByVerb { get; init; }

    /// <summary>Kubernetes API requests per task, by verb and resource (e.g. "create secrets", "get pods/log").</summary>
    public required IReadOnlyDictionary<string, double> RequestsPerTaskByResource { get; init; }

    /// <summary>Kubernetes API requests per task, all verbs.</summary>
    public double RequestsPerTask => RequestsPerTaskByVerb.Values.Sum();

    /// <summary>Broker counters over the level (until its messages drained).</summary>
    public required BrokerCounters Broker { get; init; }

    /// <summary>Database counters over the level (until its transactions were reported).</summary>
    public required DatabaseCounters Database { get; init; }

    /// <summary>CPU seconds each process used from the first submit until every run was final and every MFlow queue empty.</summary>
    public required IReadOnlyDictionary<string, double> CpuSeconds { get; init; }

    /// <summary>The time <see cref="CpuSeconds"/> were measured over.</summary>
    public required TimeSpan CpuWindow { get; init; }

    /// <summary>Each service's highest resident memory during the level (MB).</summary>
    public required IReadOnlyDictionary<string, double> PeakMemoryMegabytes { get; init; }

    /// <summary>Each service's resident memory at the end of the level (MB).</summary>
    public required IReadOnlyDictionary<string, double> EndMemoryMegabytes { get; init; }

    /// <summary>Log lines each service wrote during the level, and how many of them were warnings or errors.</summary>
    public required IReadOnlyDictionary<string, (int Lines, int Warnings)> LogLines { get; init; }

    /// <summary>The processes that are not MFlow's services (broker, database, this benchmark with the fake API).</summary>
    public static readonly IReadOnlySet<string> Infrastructure = new HashSet<string>(StringComparer.Ordinal) { "rabbitmq", "postgres", "bench+fake-k8s" };

    /// <summary>CPU milliseconds per task used by MFlow's services alone (every replica of the five).</summary>
    public double ServiceCpuMillisecondsPerTask => CpuSeconds.Where(e => !Infrastructure.Contains(e.Key)).Sum(e => e.Value) * 1000 / Tasks;

    /// <summary>Messages published per task.</summary>
    public double MessagesPerTask => (double)Broker.Published / Tasks;

    /// <summary>Messages delivered to consumers per task.</summary>
    public double DeliveriesPerTask => (double)Broker.Delivered / Tasks;

    /// <summary>Database transactions committed per task.</summary>
    public double TransactionsPerTask => (double)Database.Committed / Tasks;

    /// <summary>Database transactions that wrote (were given a transaction id) per task.</summary>
    public double WriteTransactionsPerTask => (double)Database.Writes / Tasks;

    /// <summary>Messages per second MFlow made the broker carry (tasks/s × messages/task).</summary>
    public double BrokerMessagesPerSecond => TasksPerSecond * MessagesPerTask;

    /// <summary>Transactions per second MFlow made the database commit (tasks/s × transactions/task).</summary>
    public double DatabaseTransactionsPerSecond => TasksPerSecond * TransactionsPerTask;
}
