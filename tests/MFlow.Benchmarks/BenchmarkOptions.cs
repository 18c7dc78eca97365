using System.Globalization;
using MFlow.Contracts;
using MFlow.Testing;

namespace MFlow.Benchmarks;

/// <summary>What to measure, from the command line; every value has a default that fits the 10-minute budget.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>Where the JSON report goes (<c>--json</c>); default <c>bench-results.json</c> at the repository root.</summary>
    public string JsonPath { get; init; } = Path.Combine(RepositoryPaths.Root, "bench-results.json");

    /// <summary>How many runs are submitted at once, one measurement each (<c>--concurrency 1,10,100,1000</c>).</summary>
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 10, 100, 1000];

    /// <summary>Processes of every service: schedulers, aggregators and workers of each kind (<c>--replicas</c>).</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Stages per run (<c>--stages</c>).</summary>
    public int Stages { get; init; } = 10;

    /// <summary>Parallel tasks per stage (<c>--tasks</c>).</summary>
    public int TasksPerStage { get; init; } = 10;

    /// <summary>The job kind of every task, or null for a mix of all three (<c>--kind build|deploy|vm|mixed</c>).</summary>
    public JobKind? Kind { get; init; }

    /// <summary>Runs of the workload executed at once before measuring, to warm the services up (<c>--warm-up-runs</c>); by default <see cref="RunsToWarmUp"/>.</summary>
    public int? WarmUpRuns { get; init; }

    /// <summary>
    /// The warm-up's runs: as given, else enough that every per-run code path of the services has run
    /// often enough for the JIT's final tier (tiered compilation with dynamic PGO recompiles a method
    /// twice, after about 30 calls each): 200 runs, fewer for a large workload (6,000 tasks, at least 60
    /// runs). Ten runs, the old default, left the 1- and 10-run levels measuring the compiler: about 3×
    /// the CPU per task of a warmed service.
    /// </summary>
    public int RunsToWarmUp => WarmUpRuns ?? (int)Math.Clamp(6_000 / ((long)Stages * TasksPerStage), 60, 200);

    /// <summary>Messages the raw RabbitMQ baseline publishes and consumes (<c>--baseline-messages</c>).</summary>
    public int BaselineMessages { get; init; } = 20_000;

    /// <summary>How long the raw PostgreSQL baseline updates rows (<c>--baseline-seconds</c>).</summary>
    public double BaselineSeconds { get; init; } = 3;

    /// <summary>
    /// How long one concurrency level may take before the benchmark gives up on it (<c>--level-timeout</c>,
    /// seconds); by default 5 minutes, or 50 ms per task for a level of more than 6,000 tasks.
    /// </summary>
    public TimeSpan? LevelTimeout { get; init; }

    /// <summary>How long a level of <paramref name="tasks"/> tasks may take.</summary>
    public TimeSpan LevelTimeoutFor(int tasks) => LevelTimeout ?? TimeSpan.FromMilliseconds(Math.Max(300_000, tasks * 50.0));

    /// <summary>The workers' client-side Kubernetes rate limit (<c>--qps</c>; 0 disables it).</summary>
    public double WorkerQueriesPerSecond { get; init; }

    /// <summary>A directory to write each service's captured output to at the end (<c>--service-logs</c>).</summary>
    public string? ServiceLogDirectory { get; init; }

    /// <summary>Parses the arguments; prints the usage and returns null when they are wrong or <c>--help</c> was asked for.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        var options = new BenchmarkOptions();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                options = args[i] switch
                {
                    "--json" => options with { JsonPath = Path.GetFullPath(Value()) },
                    "--concurrency" => options with { Concurrency = Value().Split(',').Select(Positive).ToList() },
                    "--replicas" => options with { Replicas = Positive(Value()) },
                    "--stages" => options with { Stages = Positive(Value()) },
                    "--tasks" => options with { TasksPerStage = Positive(Value()) },
                    "--kind" => options with { Kind = ParseKind(Value()) },
                    "--warm-up-runs" => options with { WarmUpRuns = Positive(Value()) },
                    "--baseline-messages" => options with { BaselineMessages = Positive(Value()) },
                    "--baseline-seconds" => options with { BaselineSeconds = double.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--level-timeout" => options with { LevelTimeout = TimeSpan.FromSeconds(Positive(Value())) },
                    "--qps" => options with { WorkerQueriesPerSecond = double.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--service-logs" => options with { ServiceLogDirectory = Path.GetFullPath(Value()) },
                    "--help" or "-h" => throw new FormatException(""),
                    var unknown => throw new FormatException($"Unknown argument '{unknown}'."),
                };
            }
        }
        catch (FormatException ex)
        {
            if (ex.Message.Length > 0)
                error.WriteLine(ex.Message);
            error.WriteLine(Usage);
            return null;
        }

        return options;
    }

    const string Usage = """
        usage: MFlow.Benchmarks [--json PATH] [--concurrency 1,10,100,1000] [--replicas 1] [--stages 10] [--tasks 10]
                                [--kind mixed|build|deploy|vm] [--warm-up-runs N] [--baseline-messages 20000] [--baseline-seconds 3]
                                [--level-timeout 300] [--qps 0] [--service-logs DIR]
        --warm-up-runs: runs before the first level, not measured; by default 200, fewer for a pipeline
        of over 30 tasks (6,000 tasks' worth, at least 60 runs).
        Needs the MFLOW_TEST_* variables of scripts/test-servers.sh (scripts/bench.sh sets them).
        """;

    static int Positive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new FormatException($"'{text}' is not a positive whole number.");

    static JobKind? ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "mixed" => null,
        "build" => JobKind.Build,
        "deploy" => JobKind.Deploy,
        "vm" => JobKind.Vm,
        _ => throw new FormatException($"'{text}' is not mixed, build, deploy or vm."),
    };
}
