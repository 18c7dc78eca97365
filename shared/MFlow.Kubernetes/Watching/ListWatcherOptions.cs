namespace MFlow.Kubernetes.Watching;

/// <summary>Tuning of a <see cref="ListWatcher{T}"/>.</summary>
public sealed class ListWatcherOptions
{
    /// <summary>Wait before the first reconnect after a failure; doubles per consecutive failure. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the reconnect wait. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long each watch request stays open before the server ends it and it is renewed. Default 5 min.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock used for reconnect waits.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
