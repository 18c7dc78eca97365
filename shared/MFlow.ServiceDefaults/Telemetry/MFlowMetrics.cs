using System.Diagnostics;
using System.Diagnostics.Metrics;
using MFlow.Contracts;

namespace MFlow.ServiceDefaults.Telemetry;

/// <summary>
/// MFlow's own metrics, on one meter named "MFlow" (documented in docs/observability.md). Labels
/// stay few: a pipeline's name (without its version), a job kind, an outcome; never a run or task id.
/// </summary>
public static class MFlowMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = MFlowTelemetry.SourceName;

    // Runs last from seconds to hours; waits between stages and in queues from milliseconds to minutes.
    static readonly IReadOnlyList<double> DurationBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
    static readonly IReadOnlyList<double> WaitBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    static readonly Meter Meter = new(MeterName);

    static readonly Counter<long> RunsStarted = Meter.CreateCounter<long>(
        "mflow.runs.started", "{run}", "Runs the scheduler accepted.");

    static readonly Counter<long> RunsFinished = Meter.CreateCounter<long>(
        "mflow.runs.finished", "{run}", "Runs that reached a final state.");

    static readonly Histogram<double> RunDuration = Meter.CreateHistogram(
        "mflow.run.duration", "s", "From a run's acceptance to its final state.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    static readonly Histogram<double> TaskDuration = Meter.CreateHistogram(
        "mflow.task.duration", "s", "From a task attempt's start to its end, as its worker observed them.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    static readonly Histogram<double> StageDeadTime = Meter.CreateHistogram(
        "mflow.stage.dead_time", "s", "From the end of a stage's last task to the start of the next stage's first task: time nothing of the run was running.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });

    static readonly Histogram<double> TaskQueueWait = Meter.CreateHistogram(
        "mflow.task.queue_wait", "s", "From a task's dispatch to the moment a worker takes it and creates its Job (or process).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });

    static readonly UpDownCounter<long> TasksActive = Meter.CreateUpDownCounter<long>(
        "mflow.tasks.active", "{task}", "Tasks this worker process runs (local executor) or tracks unfinished (kubernetes executor).");

    static Func<long?>? _activeRuns;

    // Observed only while a provider is set (the aggregator's): other processes do not report it.
    static readonly ObservableGauge<long> RunsActive = Meter.CreateObservableGauge(
        "mflow.runs.active", ObserveActiveRuns, "{run}", "Runs not yet in a final state, as the run store holds them (every aggregator replica reports the same figure).");

    /// <summary>Counts a run the scheduler accepted.</summary>
    public static void RunStarted(string pipeline) => RunsStarted.Add(1, Pipeline(pipeline));

    /// <summary>Counts a finished run and records how long it took.</summary>
    public static void RunFinished(string pipeline, string outcome, TimeSpan? duration)
    {
        var tags = new TagList { Pipeline(pipeline), { "outcome", outcome } };
        RunsFinished.Add(1, tags);
        if (duration is { } elapsed && elapsed >= TimeSpan.Zero)
            RunDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Records a finished task attempt's duration.</summary>
    public static void TaskFinished(JobKind kind, TaskState outcome, TimeSpan duration)
    {
        if (duration >= TimeSpan.Zero)
            TaskDuration.Record(duration.TotalSeconds, Kind(kind), new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
    }

    /// <summary>Records the idle time between the end of one stage and the start of the next.</summary>
    public static void StageDeadTimeObserved(string pipeline, TimeSpan deadTime) =>
        StageDeadTime.Record(Math.Max(0, deadTime.TotalSeconds), Pipeline(pipeline));

    /// <summary>Records how long a task waited between its dispatch and a worker taking it.</summary>
    public static void TaskTaken(JobKind kind, TimeSpan queueWait) =>
        TaskQueueWait.Record(Math.Max(0, queueWait.TotalSeconds), Kind(kind));

    /// <summary>A task began running (or being tracked) in this process: dispose the result when it ends.</summary>
    public static IDisposable TaskActive(JobKind kind)
    {
        TasksActive.Add(1, Kind(kind));
        return new ActiveTask(kind);
    }

    /// <summary>Makes this process report <c>mflow.runs.active</c> from <paramref name="count"/> (null: unknown right now).</summary>
    public static void ReportActiveRuns(Func<long?> count) => _activeRuns = count;

    /// <summary>The label value of a pipeline: its name without a stored pipeline's version, so versions do not multiply series.</summary>
    public static string PipelineLabel(string pipeline)
    {
        var at = pipeline.IndexOf('@', StringComparison.Ordinal);
        var colon = pipeline.LastIndexOf(':');
        var name = at > 0 && colon > at ? pipeline[..colon] : pipeline;
        return name.Length <= 120 ? name : name[..120];
    }

    static KeyValuePair<string, object?> Pipeline(string pipeline) => new("pipeline", PipelineLabel(pipeline));

    static KeyValuePair<string, object?> Kind(JobKind kind) => new("kind", kind.ToString().ToLowerInvariant());

    static IEnumerable<Measurement<long>> ObserveActiveRuns() =>
        _activeRuns?.Invoke() is { } count ? [new Measurement<long>(count)] : [];

    sealed class ActiveTask(JobKind kind) : IDisposable
    {
        int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                TasksActive.Add(-1, Kind(kind));
        }
    }
}
