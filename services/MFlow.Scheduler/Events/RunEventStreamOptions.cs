using System.ComponentModel.DataAnnotations;

namespace MFlow.Scheduler.Events;

/// <summary>How many run event streams (GET /api/v1/runs/{id}/events) a replica serves, bound from "MFlow:Api:EventStreams".</summary>
public sealed class RunEventStreamOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Api:EventStreams";

    /// <summary>Open streams one replica serves at once (default 1000); more get 429.</summary>
    [Range(1, 100_000, ErrorMessage = "MFlow:Api:EventStreams:MaxStreams must be between {1} and {2}.")]
    public int MaxStreams { get; set; } = 1000;

    /// <summary>Open streams one API key may hold on one replica (default 20: a dashboard tab or two per run watched); more get 429.</summary>
    [Range(1, 10_000, ErrorMessage = "MFlow:Api:EventStreams:MaxStreamsPerKey must be between {1} and {2}.")]
    public int MaxStreamsPerKey { get; set; } = 20;

    /// <summary>
    /// How often an idle stream sends a keepalive comment (default 15 s, under the idle time-outs of
    /// common proxies) and reads the journal again in case a notification was missed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "MFlow:Api:EventStreams:Keepalive must be between {1} and {2}.")]
    public TimeSpan Keepalive { get; set; } = TimeSpan.FromSeconds(15);
}
