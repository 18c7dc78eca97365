using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFlow.Benchmarks;

/// <summary>The report as JSON (<c>--json</c>): the table's figures, keyed by concurrency level, in snake_case.</summary>
public static class ReportJson
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the report to <paramref name="path"/>.</summary>
    public static async Task WriteAsync(BenchmarkReport report, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, ToJson(report).ToJsonString(Indented) + "\n");
    }

    /// <summary>The report as a JSON object.</summary>
    public static JsonObject ToJson(BenchmarkReport report)
    {
        var concurrency = new JsonObject();
        foreach (var level in report.Levels)
            concurrency[level.Concurrency.ToString(CultureInfo.InvariantCulture)] = Level(level, report);

        return new JsonObject
        {
            ["workload"] = new JsonObject
            {
                ["stages"] = report.Workload.Stages,
                ["tasks_per_stage"] = report.Workload.TasksPerStage,
                ["kinds"] = report.Workload.Kinds,
                ["cores"] = report.Workload.Cores,
                ["warm_up_runs"] = report.Workload.WarmUpRuns,
                ["load_average_at_start"] = report.Workload.LoadAverageAtStart,
                ["load_average_at_end"] = report.Workload.LoadAverageAtEnd,
            },
            ["replicas"] = report.Replicas,
            ["concurrency"] = concurrency,
            ["ratios"] = Ratios(report),
            ["baselines"] = new JsonObject
            {
                ["rabbitmq_messages_per_second"] = Number(report.RabbitMq.PerSecond),
                ["postgres_updates_per_second"] = Number(report.Postgres.PerSecond),
                ["latency_floor_ms"] = Floors(report),
                ["rabbitmq"] = new JsonObject
                {
                    ["messages"] = report.RabbitMq.Operations,
                    ["seconds"] = Number(report.RabbitMq.Elapsed.TotalSeconds),
                    ["publishers"] = RabbitMqBaseline.Publishers,
                    ["confirm_window"] = RabbitMqBaseline.ConfirmWindow,
                    ["body_bytes"] = RabbitMqBaseline.BodyBytes,
                },
                ["postgres"] = new JsonObject
                {
                    ["updates"] = report.Postgres.Operations,
                    ["seconds"] = Number(report.Postgres.Elapsed.TotalSeconds),
                    ["connections"] = PostgresBaseline.Connections,
                },
            },
            ["memory_mb"] = Map(report.EndMemoryMegabytes),
            ["memory"] = new JsonObject
            {
                ["idle_mb"] = Map(report.IdleMemoryMegabytes),
                ["end_mb"] = Map(report.EndMemoryMegabytes),
                ["peak_mb_at_busiest_level"] = Map(report.Busiest?.PeakMemoryMegabytes ?? new Dictionary<string, double>()),
                ["per_active_run_mb"] = Map(report.MemoryPerActiveRunMegabytes),
                ["per_active_run_mb_all_services"] = Number(report.MemoryPerActiveRunMegabytes.Values.Sum()),
                ["per_active_run_measured_at_runs"] = report.Busiest?.Concurrency,
            },
            ["all_runs_succeeded"] = report.AllRunsSucceeded,
            ["failure"] = report.Failure,
            ["complete"] = report.Complete,
            ["gaps"] = new JsonArray(report.Gaps.Select(gap => (JsonNode?)JsonValue.Create(gap)).ToArray()),
            ["duration_seconds"] = Number(report.Duration.TotalSeconds),
        };
    }

    // The figures that hold from one machine to the next: throughput as a share of the raw broker,
    // dead time as a multiple of the latency floor, both measured in the same run.
    static JsonObject Ratios(BenchmarkReport report)
    {
        var ratios = new JsonObject
        {
            ["tasks_per_second_100_over_raw_broker"] = Number(report.Level(100) is { } at100 ? at100.TasksPerSecond / report.RabbitMq.PerSecond : double.NaN),
            ["dead_time_p99_10_over_floor"] = Number(report.Level(10) is { } at10 && report.FloorAt(10) is { } floor10 ? at10.InterStageDeadTime.P99 / floor10.P99 : double.NaN),
        };
        foreach (var level in report.Levels)
        {
            var floor = report.FloorAt(level.Concurrency);
            ratios[level.Concurrency.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["tasks_per_second_over_raw_broker"] = Number(level.TasksPerSecond / report.RabbitMq.PerSecond),
                ["dead_time_p50_over_floor"] = Number(floor is null ? double.NaN : level.InterStageDeadTime.P50 / floor.P50),
                ["dead_time_p99_over_floor"] = Number(floor is null ? double.NaN : level.InterStageDeadTime.P99 / floor.P99),
            };
        }

        return ratios;
    }

    static JsonObject Floors(BenchmarkReport report)
    {
        var floors = new JsonObject
        {
            ["hops_per_boundary"] = LatencyFloor.HopsPerBoundary,
            ["commits_per_boundary"] = LatencyFloor.CommitsPerBoundary,
            ["max_database_connections"] = LatencyFloor.MaxConnections,
        };
        foreach (var floor in report.Floors)
        {
            floors[floor.Concurrency.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["p50"] = Number(floor.P50),
                ["p99"] = Number(floor.P99),
                ["hop_ms"] = Distribution(floor.Hop, withP95: false),
                ["commit_ms"] = Distribution(floor.Commit, withP95: false),
            };
        }

        return floors;
    }

    static JsonObject Level(LevelResult level, BenchmarkReport report) => new()
    {
        ["load_average_at_start"] = level.LoadAverage.Start,
        ["load_average_at_end"] = level.LoadAverage.End,
        ["runs"] = level.Runs,
        ["runs_succeeded"] = level.RunsSucceeded,
        ["tasks"] = level.Tasks,
        ["wall_seconds"] = Number(level.Wall.TotalSeconds),
        ["tasks_per_second"] = Number(level.TasksPerSecond),
        ["steady_state_tasks_per_second"] = Number(level.SteadyTasksPerSecond),
        ["inter_stage_dead_time_ms"] = Distribution(level.InterStageDeadTime, withP95: true),
        ["tracker_reaction_ms"] = Distribution(level.TrackerReaction, withP95: true),
        ["complete_to_stage_completed_ms"] = Distribution(level.CompleteToStageCompleted, withP95: true),
        ["stage_completed_to_next_create_ms"] = Distribution(level.StageCompletedToNextCreate, withP95: true),
        ["dispatch_latency_ms"] = Distribution(level.DispatchLatency, withP95: false),
        ["job_duration_ms"] = Distribution(level.JobDuration, withP95: false),
        ["k8s_requests_per_task"] = Number(level.RequestsPerTask),
        ["k8s_requests_per_task_by_verb"] = Map(level.RequestsPerTaskByVerb),
        ["k8s_requests_per_task_by_resource"] = Map(level.RequestsPerTaskByResource),
        ["messages_per_task"] = Number(level.MessagesPerTask),
        ["deliveries_per_task"] = Number(level.DeliveriesPerTask),
        ["messages_per_task_by_exchange"] = Map(level.Broker.PublishedByExchange.ToDictionary(e => e.Key, e => (double)e.Value / level.Tasks)),
        ["db_transactions_per_task"] = Number(level.TransactionsPerTask),
        ["db_write_transactions_per_task"] = Number(level.WriteTransactionsPerTask),
        ["db_rollbacks_per_task"] = Number((double)level.Database.RolledBack / level.Tasks),
        ["broker_messages_per_second"] = Number(level.BrokerMessagesPerSecond),
        ["db_transactions_per_second"] = Number(level.DatabaseTransactionsPerSecond),
        ["share_of_raw_rabbitmq_limit"] = Number(level.BrokerMessagesPerSecond / report.RabbitMq.PerSecond),
        ["share_of_raw_postgres_limit"] = Number(level.DatabaseTransactionsPerSecond / report.Postgres.PerSecond),
        ["cpu_seconds"] = Map(level.CpuSeconds),
        ["cpu_window_seconds"] = Number(level.CpuWindow.TotalSeconds),
        ["boundaries_measured"] = level.BoundariesMeasured,
        ["boundaries_expected"] = level.BoundariesExpected,
        ["jobs_without_completion"] = level.JobsWithoutCompletion,
        ["cpu_ms_per_task"] = Number(level.CpuSeconds.Values.Sum() * 1000 / level.Tasks),
        ["cpu_ms_per_task_mflow_services"] = Number(level.ServiceCpuMillisecondsPerTask),
        ["memory_mb_peak"] = Map(level.PeakMemoryMegabytes),
        ["memory_mb_end"] = Map(level.EndMemoryMegabytes),
        ["log_lines_per_task"] = Map(level.LogLines.ToDictionary(e => e.Key, e => (double)e.Value.Lines / level.Tasks)),
        ["log_warnings"] = Map(level.LogLines.ToDictionary(e => e.Key, e => (double)e.Value.Warnings)),
    };

    static JsonObject Distribution(Distribution distribution, bool withP95)
    {
        var json = new JsonObject { ["p50"] = Number(distribution.P50) };
        if (withP95)
            json["p95"] = Number(distribution.P95);
        json["p99"] = Number(distribution.P99);
        json["max"] = Number(distribution.Max);
        json["samples"] = distribution.Samples;
        return json;
    }

    static JsonObject Map(IReadOnlyDictionary<string, double> values)
    {
        var json = new JsonObject();
        foreach (var (key, value) in values.OrderBy(e => e.Key, StringComparer.Ordinal))
            json[key] = Number(value);
        return json;
    }

    // JSON has no NaN: a figure that could not be measured is null.
    static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 3)) : null;
}
