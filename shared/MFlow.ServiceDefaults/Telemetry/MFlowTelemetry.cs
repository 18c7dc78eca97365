using System.Diagnostics;

namespace MFlow.ServiceDefaults.Telemetry;

/// <summary>
/// MFlow's own spans, and the one rule that keeps a run in one trace: work that happens outside the
/// message or request that caused it (the outbox relay, a Job tracker, a saga acting on another
/// trace's message) continues the run's trace from a stored W3C traceparent.
/// </summary>
public static class MFlowTelemetry
{
    /// <summary>The name of MFlow's <see cref="ActivitySource"/> (and of its meter, see <see cref="MFlowMetrics"/>).</summary>
    public const string SourceName = "MFlow";

    /// <summary>The span attribute naming the run a span belongs to.</summary>
    public const string RunIdTag = "mflow.run.id";

    /// <summary>The span attribute naming the run's pipeline.</summary>
    public const string PipelineTag = "mflow.pipeline";

    /// <summary>The span attribute naming a task.</summary>
    public const string TaskIdTag = "mflow.task.id";

    /// <summary>MFlow's spans.</summary>
    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>The current span as a W3C traceparent ("00-trace-span-flags"), or null outside any span.</summary>
    public static string? CurrentTraceParent =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts a span whose parent is <paramref name="traceParent"/> when the current span is not
    /// already in that trace (it is linked instead, so neither trace loses the connection); returns
    /// null, starting nothing, when there is nothing to continue or the current span already belongs
    /// to it. Dispose it when the work is done.
    /// </summary>
    public static Activity? ContinueTrace(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal)
    {
        if (traceParent is null || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
            return null;
        var current = Activity.Current;
        if (current is not null && current.TraceId == parent.TraceId)
            return null;
        ActivityLink[]? links = current is null ? null : [new ActivityLink(current.Context)];
        return Source.StartActivity(name, kind, parent, links: links);
    }
}
