using System.Reflection;

namespace MFlow.Kubernetes;

/// <summary>Tuning of <see cref="KubernetesClient"/>: retries, timeouts, client-side rate limit.</summary>
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

    /// <summary>Whether the client-side token bucket limits the request rate. Default true.</summary>
    public bool RateLimitEnabled { get; set; } = true;

    /// <summary>Sustained requests per second the token bucket allows. Default 50.</summary>
    public double QueriesPerSecond { get; set; } = 50;

    /// <summary>Requests the token bucket allows in a burst. Default 100.</summary>
    public int Burst { get; set; } = 100;

    /// <summary>How long a pooled connection is reused before it is replaced (so DNS changes are seen). Default 5 min.</summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The User-Agent header. Default <c>mflow/&lt;assembly version&gt;</c>.</summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>The clock used for retry delays and <c>Retry-After</c> dates.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary><c>mflow/</c> and the informational version of this assembly without build metadata.</summary>
    public static string DefaultUserAgent { get; } = "mflow/" + Version();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        if (RateLimitEnabled)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(QueriesPerSecond, 0, nameof(QueriesPerSecond));
            ArgumentOutOfRangeException.ThrowIfLessThan(Burst, 1, nameof(Burst));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(UserAgent, nameof(UserAgent));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }

    private static string Version()
    {
        var version = typeof(KubernetesClientOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(KubernetesClientOptions).Assembly.GetName().Version?.ToString()
            ?? "0.0.0";

        // "1.0.0+3f2a..." carries the commit; the product token should be the version alone.
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? version[..plus] : version;
    }
}
