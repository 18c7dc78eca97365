namespace MFlow.Kubernetes;

/// <summary>How MFlow paces and retries its API requests (<see cref="KubernetesRequestHandler"/>).</summary>
public sealed class KubernetesClientOptions
{
    /// <summary>Total attempts per request, the first included (1 disables retries). Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff before the first retry; doubles per retry, with jitter. Default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of the computed backoff. Default 10 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of a server-requested <c>Retry-After</c> wait. Default 60 s.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time limit of one attempt of a non-watch request, body included. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Sustained requests per second the client-side token bucket allows; 0 disables it. Default 50.</summary>
    public double QueriesPerSecond { get; set; } = 50;

    /// <summary>Requests the token bucket allows in a burst. Default 100.</summary>
    public int Burst { get; set; } = 100;

    /// <summary>The clock of retry delays (tests replace it).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
