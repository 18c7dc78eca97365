using System.Globalization;

namespace MFlow.Benchmarks;

/// <summary>The one table the benchmark prints: a column per concurrency level, and the baselines and targets beside.</summary>
public static class ReportTable
{
    static readonly string[] Verbs = ["create", "get", "list", "watch", "delete", "patch"];

    /// <summary>Writes the table.</summary>
    public static void Write(BenchmarkReport report, TextWriter output)
    {
        var levels = report.Levels;
        var rows = new List<string[]>();
        void Row(string metric, Func<LevelResult, string> value, string beside = "") =>
            rows.Add([metric, .. levels.Select(value), beside]);
        void Section(string title) => rows.Add([title, .. levels.Select(_ => ""), ""]);

        var busiest = report.Busiest?.Concurrency;
        Section("throughput");
        Row("load average at start / end of the level", l => $"{l.LoadAverage.Start.Split(' ')[0]} / {l.LoadAverage.End.Split(' ')[0]}", "2 shared cores: rely on the ratios");
        Row("runs succeeded / submitted", l => $"{l.RunsSucceeded}/{l.Concurrency}");
        Row("tasks completed", l => l.Tasks.ToString(CultureInfo.InvariantCulture));
        Row("wall time, first submit → last final, s", l => F(l.Wall.TotalSeconds, 2));
        Row("task throughput, tasks/s", l => F(l.TasksPerSecond, 1), "target ≥ 800 at 100 runs (the faster machine)");
        Row("  steady state (p10–p90 of completions)", l => F(l.SteadyTasksPerSecond, 1));
        Row("  ÷ raw broker msg/s (same run)", l => P(l.TasksPerSecond / report.RabbitMq.PerSecond, 2), "target ≥ 4 % at 100 runs");
        Section("latency");
        Row("inter-stage dead time p50, ms", l => F(l.InterStageDeadTime.P50, 1), "target ≤ 15 at 1 run (the faster machine)");
        Row("inter-stage dead time p95, ms", l => F(l.InterStageDeadTime.P95, 1));
        Row("inter-stage dead time p99, ms", l => F(l.InterStageDeadTime.P99, 1), "target ≤ 50 at 10 runs, ≤ 250 at 100 (the faster machine)");
        Row("inter-stage dead time max, ms", l => F(l.InterStageDeadTime.Max, 1));
        Row("latency floor p50 / p99, ms", l => report.FloorAt(l.Concurrency) is { } f ? $"{F(f.P50, 1)} / {F(f.P99, 1)}" : "n/a",
            $"raw: {LatencyFloor.HopsPerBoundary} hops + {LatencyFloor.CommitsPerBoundary} commits at the level's concurrency");
        Row("dead time p50 ÷ floor p50", l => report.FloorAt(l.Concurrency) is { } f ? F(l.InterStageDeadTime.P50 / f.P50, 2) : "n/a");
        Row("dead time p99 ÷ floor p99", l => report.FloorAt(l.Concurrency) is { } f ? F(l.InterStageDeadTime.P99 / f.P99, 2) : "n/a", "target ≤ 3 at 10 runs");
        Row("  its first part p50: Job complete → log read, ms", l => F(l.TrackerReaction.P50, 1));
        Row("  Job complete → StageCompleted heard p50 / p99, ms", l => $"{F(l.CompleteToStageCompleted.P50, 1)} / {F(l.CompleteToStageCompleted.P99, 1)}", "worker report + aggregator");
        Row("  StageCompleted heard → next create p50 / p99, ms", l => $"{F(l.StageCompletedToNextCreate.P50, 1)} / {F(l.StageCompletedToNextCreate.P99, 1)}", "scheduler + worker");
        Row("  boundaries measured / expected", l => $"{l.BoundariesMeasured.ToString(CultureInfo.InvariantCulture)} / {l.BoundariesExpected.ToString(CultureInfo.InvariantCulture)}",
            "runs × (stages − 1); less: Jobs without a completion time");
        Row("dispatch latency p50, ms (StartPipeline → 1st Job)", l => F(l.DispatchLatency.P50, 1));
        Row("dispatch latency p99, ms", l => F(l.DispatchLatency.P99, 1));
        Row("Job create → Complete p50 / p99, ms", l => $"{F(l.JobDuration.P50, 0)} / {F(l.JobDuration.P99, 0)}",
            "the fake's instant pod; Pending/Running are reported once it lasts > 1 s");
        Section("Kubernetes API cost");
        Row("requests per task, all verbs", l => F(l.RequestsPerTask, 3), "target ≤ 3");
        // The six verbs always, and any other a level used (a leader election's lease updates).
        foreach (var verb in Verbs.Concat(levels.SelectMany(l => l.RequestsPerTaskByVerb.Keys).Except(Verbs).Order()))
            Row($"  {verb}", l => F(l.RequestsPerTaskByVerb.GetValueOrDefault(verb), 3));
        Section("broker (same RabbitMQ)");
        Row("messages published per task", l => F(l.MessagesPerTask, 2), "target ≤ 3");
        Row("messages delivered per task", l => F(l.DeliveriesPerTask, 2));
        Row("messages/s MFlow needs (tasks/s × msgs/task)", l => F(l.BrokerMessagesPerSecond, 0), $"raw limit {F(report.RabbitMq.PerSecond, 0)} msg/s");
        Row("  share of the raw broker limit", l => P(l.BrokerMessagesPerSecond / report.RabbitMq.PerSecond));
        Section("database (same PostgreSQL)");
        Row("transactions committed per task", l => F(l.TransactionsPerTask, 2), "target ≤ 3");
        Row("  of which wrote (got a transaction id)", l => F(l.WriteTransactionsPerTask, 2));
        Row("transactions/s MFlow needs", l => F(l.DatabaseTransactionsPerSecond, 0), $"raw limit {F(report.Postgres.PerSecond, 0)} updates/s");
        Row("  share of the raw database limit", l => P(l.DatabaseTransactionsPerSecond / report.Postgres.PerSecond));
        Section($"CPU, % of one core until all runs were final and the queues empty ({report.Workload.Cores} cores)");
        foreach (var process in levels.SelectMany(l => l.CpuSeconds.Keys).Distinct())
            Row($"  {process}", l => P(l.CpuSeconds.GetValueOrDefault(process) / l.CpuWindow.TotalSeconds, 0));
        Row("  all processes, CPU ms per task", l => F(l.CpuSeconds.Values.Sum() * 1000 / l.Tasks, 2), "what a stage boundary's wave of tasks costs the cores");
        Row("  MFlow's services only, CPU ms per task", l => F(l.ServiceCpuMillisecondsPerTask, 2), "target ≤ 1.0");
        Section("memory, VmRSS MB at the end of the level");
        var perRun = report.MemoryPerActiveRunMegabytes;
        foreach (var service in report.IdleMemoryMegabytes.Keys)
        {
            var peak = report.Busiest?.PeakMemoryMegabytes.GetValueOrDefault(service) ?? double.NaN;
            Row($"  {service}", l => F(l.EndMemoryMegabytes.GetValueOrDefault(service), 0),
                $"idle {F(report.IdleMemoryMegabytes[service], 0)}, peak {F(peak, 0)}, {F(perRun.GetValueOrDefault(service), 2)}/run");
        }

        Row("  all services per active run, MB", l => l.Concurrency == busiest ? F(perRun.Values.Sum(), 2) : "", "(peak − idle) ÷ runs; target ≤ 0.5 at 1,000 runs");

        string[] header = ["MFlow benchmark", .. levels.Select(l => $"{l.Concurrency} run{(l.Concurrency == 1 ? "" : "s")}"), "baseline / target"];
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Append(header).Max(r => r[i].Length)).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((cell, i) => i == 0 || i == cells.Length - 1 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd();

        output.WriteLine();
        output.WriteLine($"Workload: {report.Workload.Stages} stages × {report.Workload.TasksPerStage} parallel tasks per run, inline containers, {report.Workload.Kinds};");
        output.WriteLine($"fake Kubernetes API completes each pod at once; services are separate processes ({report.Replicas} of each) on one RabbitMQ vhost and one PostgreSQL database, " +
            $"warmed up by {report.Workload.WarmUpRuns} runs before the first level.");
        output.WriteLine($"Baselines (same broker and database, same run): RabbitMQ.Client {F(report.RabbitMq.PerSecond, 0)} msg/s " +
            $"({report.RabbitMq.Operations} persistent, confirmed, acked, {RabbitMqBaseline.Publishers} publishers × window {RabbitMqBaseline.ConfirmWindow}); " +
            $"Npgsql {F(report.Postgres.PerSecond, 0)} single-row UPDATE transactions/s ({PostgresBaseline.Connections} connections, {report.Postgres.Elapsed.TotalSeconds:0.0} s).");
        output.WriteLine(Line(header));
        output.WriteLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        foreach (var row in rows)
            output.WriteLine(Line(row));
        if (report.Failure is not null)
            output.WriteLine($"INCOMPLETE: {report.Failure.Split('\n')[0]}");
        foreach (var gap in report.Gaps)
            output.WriteLine($"INCOMPLETE: {gap}");
        output.WriteLine($"Benchmark took {report.Duration.TotalSeconds:0} s; load average {report.Workload.LoadAverageAtStart} at the start, {report.Workload.LoadAverageAtEnd} at the end.");
    }

    static string F(double value, int decimals) =>
        double.IsNaN(value) ? "n/a" : value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    static string P(double fraction, int decimals = 1) => double.IsNaN(fraction) ? "n/a" : F(fraction * 100, decimals) + " %";
}
