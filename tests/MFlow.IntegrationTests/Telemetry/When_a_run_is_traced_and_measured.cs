using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Telemetry;

/// <summary>
/// The services run as separate processes and export their spans over OTLP to the test (as they
/// would to a collector); a run must be one trace from the POST that started it to its last task.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class When_a_run_is_traced_and_measured(ServiceCluster cluster)
{
    private static readonly TimeSpan _exportTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Should_keep_the_run_in_one_trace_from_the_post_to_the_last_stage_and_hand_it_to_the_jobs()
    {
        var pipeline = "traced-" + Guid.NewGuid().ToString("N")[..8];
        var runId = await cluster.SubmitAsync(TwoStages(pipeline));
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));

        var compile = run.Task("compile");
        var ship = run.Task("ship");
        var compileTrace = TraceParent.Parse(compile.Outputs["TRACE"]);
        var shipTrace = TraceParent.Parse(ship.Outputs["TRACE"]);

        // The POST's server span is the run's root; every other span of the run hangs below it.
        var spans = await Eventually.UntilAsync(
            () => Task.FromResult(cluster.Traces.Spans.Where(s => s.TraceId == shipTrace.TraceId).ToList()),
            trace => trace.Any(s => s.SpanId == shipTrace.SpanId)
                && trace.Any(s => s.Service == "aggregator" && s.Name.Contains("PipelineRunSucceeded", StringComparison.Ordinal) && s.Kind == ReceivedSpan.Producer)
                && trace.Any(s => s.ParentSpanId is null)
                && Orphans(trace).Count == 0,
            _exportTimeout,
            "the last task's trace, from its root to the run's success, is exported whole");

        var root = Assert.Single(spans, s => s.ParentSpanId is null);
        Assert.Equal(("scheduler", ReceivedSpan.Server), (root.Service, root.Kind));
        Assert.Equal(runId.ToString(), root.Attributes.GetValueOrDefault("mflow.run.id"));
        Assert.Equal(root.TraceId, compileTrace.TraceId);

        // The last stage's Job was created in a span of the deploy worker, the one its TRACEPARENT names.
        var launch = Assert.Single(spans, s => s.SpanId == shipTrace.SpanId);
        Assert.Equal("deploy-worker", launch.Service);
        Assert.StartsWith("task execute", launch.Name, StringComparison.Ordinal);
        Assert.Equal(ship.Id.ToString(), launch.Attributes.GetValueOrDefault("mflow.task.id"));

        // The hops between the processes are all in it: dispatch, the worker's TaskUpdated, the
        // aggregator's StageCompleted, the scheduler dispatching the next stage.
        Assert.Contains(spans, s => s.Service == "scheduler" && s.Kind == ReceivedSpan.Producer && s.Name.Contains("RunBuildTask", StringComparison.Ordinal));
        Assert.Contains(spans, s => s.Service == "deploy-worker" && s.Kind == ReceivedSpan.Producer && s.Name.Contains("TaskUpdated", StringComparison.Ordinal));
        Assert.Contains(spans, s => s.Service == "aggregator" && s.Kind == ReceivedSpan.Consumer && s.Name.Contains("aggregator", StringComparison.Ordinal));
        Assert.Contains(spans, s => s.Service == "aggregator" && s.Kind == ReceivedSpan.Producer && s.Name.Contains("StageCompleted", StringComparison.Ordinal));
        Assert.Contains(spans, s => s.Service == "scheduler" && s.Kind == ReceivedSpan.Producer && s.Name.Contains("RunDeployTask", StringComparison.Ordinal));

    }

    // Spans whose parent is not (yet) among the trace's spans: a whole trace is one tree.
    private static List<ReceivedSpan> Orphans(IReadOnlyList<ReceivedSpan> trace)
    {
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        return [.. trace.Where(s => s.ParentSpanId is not null && !ids.Contains(s.ParentSpanId))];
    }

    [Fact]
    public async Task Should_serve_the_runs_and_tasks_metrics_for_prometheus_after_a_run()
    {
        var pipeline = "measured-" + Guid.NewGuid().ToString("N")[..8];
        var runId = await cluster.SubmitAsync(TwoStages(pipeline));
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));

        var label = $"pipeline=\"{pipeline}\"";
        await MetricsShowAsync(cluster.Scheduler, "mflow_runs_started_total", label);
        await MetricsShowAsync(cluster.Aggregator, "mflow_runs_finished_total", label, "outcome=\"succeeded\"");
        await MetricsShowAsync(cluster.Aggregator, "mflow_run_duration_seconds_count", label, "outcome=\"succeeded\"");
        await MetricsShowAsync(cluster.Aggregator, "mflow_stage_dead_time_seconds_count", label);
        await MetricsShowAsync(cluster.Aggregator, "mflow_task_duration_seconds_count", "kind=\"deploy\"", "outcome=\"succeeded\"");
        await MetricsShowAsync(cluster.Aggregator, "mflow_runs_active");
        await MetricsShowAsync(cluster.DeployWorker, "mflow_task_queue_wait_seconds_count", "kind=\"deploy\"");
        await MetricsShowAsync(cluster.DeployWorker, "mflow_tasks_active", "kind=\"deploy\"");
    }

    private static string TwoStages(string pipeline) => PipelineDocuments.Document(
        pipeline,
        PipelineDocuments.Stage("build", PipelineDocuments.ShellTask("compile", "build", "printf 'TRACE=%s\\0' \"$TRACEPARENT\" >> \"$_OUTPUT_FILE\"")),
        PipelineDocuments.Stage("deliver", PipelineDocuments.ShellTask("ship", "deploy", "printf 'TRACE=%s\\0' \"$TRACEPARENT\" >> \"$_OUTPUT_FILE\"")));

    // A line of the service's /metrics names the metric and carries every label given.
    private static Task MetricsShowAsync(ServiceProcess service, string metric, params string[] labels) =>
        Eventually.UntilAsync(
            async () =>
            {
                var text = await _http.GetStringAsync(new Uri(service.BaseAddress, "metrics"));
                return text.Split('\n').Any(line => line.StartsWith(metric, StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)));
            },
            _exportTimeout,
            $"{service.Name}'s /metrics shows {metric} {string.Join(' ', labels)}");

    private sealed record TraceParent(string TraceId, string SpanId)
    {
        // 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>
        public static TraceParent Parse(string value)
        {
            var parts = value.Split('-');
            Assert.True(parts.Length == 4 && parts[1].Length == 32 && parts[2].Length == 16, $"'{value}' is not a W3C traceparent");
            return new TraceParent(parts[1], parts[2]);
        }
    }
}
