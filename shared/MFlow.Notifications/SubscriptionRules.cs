namespace MFlow.Notifications;

/// <summary>What a subscription request must satisfy, as problems by field name (the API answers 400 with them).</summary>
public static class SubscriptionRules
{
    /// <summary>Longest name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Longest URL.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>Longest secret.</summary>
    public const int MaxSecretLength = 512;

    /// <summary>Most pipelines one subscription names.</summary>
    public const int MaxPipelines = 100;

    /// <summary>
    /// The problems of <paramref name="request"/> (empty when it is valid). <paramref name="stored"/> is
    /// the subscription a PUT replaces: its URL and secret stand in for absent ones. The URL must be
    /// https unless <see cref="NotificationOptions.AllowInsecureHttp"/>, and its host is resolved: every
    /// address must be public unless <see cref="NotificationOptions.AllowPrivateNetworks"/>.
    /// </summary>
    public static async Task<Dictionary<string, string[]>> CheckAsync(
        SubscriptionRequest request, Subscription? stored, NotificationOptions options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name))
            errors["name"] = ["A name is required."];
        else if (request.Name.Length > MaxNameLength || request.Name.Any(char.IsControl))
            errors["name"] = [$"The name must be one line of at most {MaxNameLength} characters."];

        var target = request.Target ?? stored?.Target ?? NotificationTargets.Webhook;
        if (!NotificationTargets.All.Contains(target))
            errors["target"] = [$"'{Shown(target)}' is not a target; use one of {string.Join(", ", NotificationTargets.All)}."];

        var url = request.Url ?? stored?.Url;
        if (url is null)
            errors["url"] = ["A URL is required."];
        else if (await CheckUrlAsync(url, options, cancellationToken) is { } urlProblem)
            errors["url"] = [urlProblem];

        if (request.Secret is { } secret)
        {
            if (!NotificationTargets.TakesSecret(target))
                errors["secret"] = [$"A {target} target takes no secret: its URL is its credential."];
            else if (secret.Length == 0 || secret.Length > MaxSecretLength || secret.Any(char.IsControl))
                errors["secret"] = [$"The secret must be one line of 1 to {MaxSecretLength} characters."];
        }
        else if (NotificationTargets.NeedsSecret(target) && stored?.ProtectedSecret is null)
        {
            errors["secret"] = ["A webhook needs a secret: its deliveries are signed with it (X-MFlow-Signature-256)."];
        }

        if (request.Pipelines is { } pipelines)
        {
            if (pipelines.Count > MaxPipelines)
                errors["pipelines"] = [$"At most {MaxPipelines} pipelines; leave the list empty for all."];
            else if (pipelines.Any(p => string.IsNullOrWhiteSpace(p) || p.Length > MaxNameLength || p.Any(char.IsControl)))
                errors["pipelines"] = [$"Each pipeline is a name of at most {MaxNameLength} characters."];
        }

        if (request.Events is { } events)
        {
            if (events.Count == 0)
                errors["events"] = [$"Name at least one event ({string.Join(", ", NotificationEvents.All)}), or leave the field out for all."];
            else if (events.FirstOrDefault(e => !NotificationEvents.IsKnown(e)) is { } unknown || events.Contains(null))
                errors["events"] = [$"'{Shown(events.FirstOrDefault(e => !NotificationEvents.IsKnown(e)))}' is not an event; use {string.Join(", ", NotificationEvents.All)}."];
        }

        return errors;
    }

    /// <summary>What is wrong with a target URL (not absolute https, or http where allowed; credentials in it; a host that is not public), or null.</summary>
    public static async Task<string?> CheckUrlAsync(string url, NotificationOptions options, CancellationToken cancellationToken)
    {
        if (url.Length > MaxUrlLength)
            return $"The URL is {url.Length} characters long; the limit is {MaxUrlLength}.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return $"'{Shown(url)}' is not an http or https URL.";
        if (uri.UserInfo.Length > 0)
            return "The URL may not carry a user name or password.";
        if (uri.Fragment.Length > 0)
            return "The URL may not carry a fragment ('#...').";
        if (InsecureHttp(uri.Scheme, options) is { } insecure)
            return insecure;
        return await NetworkGuard.CheckHostAsync(uri.IdnHost, options.AllowPrivateNetworks, cancellationToken) is { } refused
            ? $"The URL is refused: {refused}."
            : null;
    }

    /// <summary>Why a URL with <paramref name="scheme"/> is refused as plain http, or null.</summary>
    public static string? InsecureHttp(string scheme, NotificationOptions options) =>
        scheme == Uri.UriSchemeHttp && !options.AllowInsecureHttp
            ? "The URL must be https: a delivery (its signature, run details, logs) and a chat bot's URL, its credential, would cross the network "
              + "readable by anyone on the way. Plain http is refused unless MFlow:Notifications:AllowInsecureHttp is true (for development receivers)."
            : null;

    static string Shown(string? value) =>
        value is null ? "null" : new string(value.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
