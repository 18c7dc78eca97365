using System.ComponentModel.DataAnnotations;

namespace MFlow.Notifications;

/// <summary>How notifications are delivered, bound from "MFlow:Notifications".</summary>
public sealed class NotificationOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Notifications";

    /// <summary>
    /// Lets subscriptions reach loopback, link-local and private addresses. Off by default: a
    /// subscription's URL is chosen by an API user and fetched from inside the cluster (SSRF).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Lets subscriptions use plain http:// URLs. Off by default: a delivery carries its signature,
    /// run details and logs, and a chat bot's URL is its credential, readable on the wire without TLS.
    /// For development receivers (with <see cref="AllowPrivateNetworks"/>, a receiver on localhost).
    /// </summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>Tries per delivery, the first included (default 8: with the default delays, the last about an hour after the first).</summary>
    [Range(1, 50, ErrorMessage = "MFlow:Notifications:MaxAttempts must be between {1} and {2}.")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The pause before the second try; each later pause doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "MFlow:Notifications:FirstRetryDelay must be between {1} and {2}.")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest pause between two tries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "MFlow:Notifications:MaxRetryDelay must be between {1} and {2}.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long one try may take, connecting included; a receiver slower than that counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "MFlow:Notifications:RequestTimeout must be between {1} and {2}.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Tries in flight at once in one notifier.</summary>
    [Range(1, 1000, ErrorMessage = "MFlow:Notifications:MaxConcurrentDeliveries must be between {1} and {2}.")]
    public int MaxConcurrentDeliveries { get; set; } = 32;

    /// <summary>Tries in flight at once to one subscription: a dead endpoint with a backlog keeps the others' slots free.</summary>
    [Range(1, 100, ErrorMessage = "MFlow:Notifications:MaxConcurrentPerSubscription must be between {1} and {2}.")]
    public int MaxConcurrentPerSubscription { get; set; } = 4;

    /// <summary>
    /// The longest the notifier waits before looking for due deliveries it was not told about:
    /// retries come due, other replicas' work whose lease expired (a notifier that died mid-try).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "MFlow:Notifications:PollInterval must be between {1} and {2}.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a finished delivery (delivered or failed) stays in the delivery log.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "MFlow:Notifications:Retention must be between {1} and {2}.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The pause before try <paramref name="attempt"/> + 1, after try <paramref name="attempt"/> failed.</summary>
    public TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromTicks((long)Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 1))));

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < FirstRetryDelay)
            yield return new ValidationResult("MFlow:Notifications:MaxRetryDelay must not be shorter than FirstRetryDelay.", [nameof(MaxRetryDelay)]);
    }
}
