namespace MFlow.Notifications;

/// <summary>A subscription as stored: where to deliver which events. Its secret stays encrypted until a delivery signs with it.</summary>
public sealed record Subscription
{
    /// <summary>The subscription's id.</summary>
    public Guid Id { get; init; }

    /// <summary>A unique name people know it by.</summary>
    public string Name { get; init; } = "";

    /// <summary>One of <see cref="NotificationTargets"/>.</summary>
    public string Target { get; init; } = NotificationTargets.Webhook;

    /// <summary>Where to POST: for chat targets the platform's webhook URL, which is itself a credential.</summary>
    public string Url { get; init; } = "";

    /// <summary>The signing secret, encrypted with the key ring; null when there is none.</summary>
    public string? ProtectedSecret { get; init; }

    /// <summary>The pipelines it hears about; empty for all.</summary>
    public IReadOnlyList<string> Pipelines { get; init; } = [];

    /// <summary>The events it hears about (<see cref="NotificationEvents"/>).</summary>
    public IReadOnlyList<string> Events { get; init; } = [];

    /// <summary>False to stop deliveries without losing the subscription.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The API key that created it.</summary>
    public string CreatedBy { get; init; } = "";

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>True when it wants <paramref name="eventName"/> about a run of <paramref name="pipelineName"/>.</summary>
    public bool Wants(string eventName, string pipelineName) =>
        Enabled && Events.Contains(eventName) && (Pipelines.Count == 0 || Pipelines.Any(p => SamePipeline(p, pipelineName)));

    // A run's pipeline name may carry the version it was started with ("deploy:1.2"); a filter without one matches every version.
    static bool SamePipeline(string filter, string pipelineName) =>
        string.Equals(filter, pipelineName, StringComparison.Ordinal)
        || (!filter.Contains(':') && pipelineName.StartsWith(filter + ":", StringComparison.Ordinal));
}

/// <summary>A subscription as the API shows it: never its secret, and its URL with what looks like a credential masked.</summary>
public sealed record SubscriptionView(
    Guid Id, string Name, string Target, string Url, bool HasSecret, IReadOnlyList<string> Pipelines, IReadOnlyList<string> Events,
    bool Enabled, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt)
{
    /// <summary>The view of a stored subscription.</summary>
    public static SubscriptionView Of(Subscription s) =>
        new(s.Id, s.Name, s.Target, MaskedUrl(s.Url), s.ProtectedSecret is not null, s.Pipelines, s.Events, s.Enabled, s.CreatedAt, s.CreatedBy, s.UpdatedAt);

    /// <summary>
    /// The URL with its credentials masked: user info, every query value (DingTalk's access_token,
    /// WeCom's key) and every long path segment (Slack's and Feishu's hook tokens).
    /// </summary>
    public static string MaskedUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "***";
        var path = string.Join('/', uri.AbsolutePath.Split('/').Select(segment => segment.Length >= 16 ? "***" : segment));
        var query = uri.Query.Length <= 1 ? "" : "?" + string.Join('&', uri.Query[1..].Split('&').Select(pair => pair.Split('=')[0] + "=***"));
        return $"{uri.Scheme}://{uri.Authority}{path}{query}";
    }
}

/// <summary>What POST and PUT /api/v1/subscriptions take; on PUT, an absent url or secret keeps the stored one.</summary>
public sealed record SubscriptionRequest
{
    /// <summary>A unique name.</summary>
    public string? Name { get; init; }

    /// <summary>One of <see cref="NotificationTargets"/> (default webhook).</summary>
    public string? Target { get; init; }

    /// <summary>Where to POST (http or https).</summary>
    public string? Url { get; init; }

    /// <summary>The signing secret (webhook: required; Feishu, DingTalk: the bot's signing secret).</summary>
    public string? Secret { get; init; }

    /// <summary>Pipelines to hear about; absent or empty for all.</summary>
    public IReadOnlyList<string?>? Pipelines { get; init; }

    /// <summary>Events to hear about; absent for all.</summary>
    public IReadOnlyList<string?>? Events { get; init; }

    /// <summary>Default true.</summary>
    public bool? Enabled { get; init; }
}
