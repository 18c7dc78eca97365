namespace MFlow.Scheduler.Triggers;

/// <summary>The Git servers whose push and tag webhooks a trigger takes.</summary>
public static class GitProviders
{
    /// <summary>GitHub (and GitHub Enterprise): the body signed with HMAC-SHA256 in <c>X-Hub-Signature-256</c>.</summary>
    public const string GitHub = "github";

    /// <summary>GitLab: the secret token sent as is in <c>X-Gitlab-Token</c>.</summary>
    public const string GitLab = "gitlab";

    /// <summary>Both.</summary>
    public static readonly IReadOnlyList<string> All = [GitHub, GitLab];
}

/// <summary>
/// A stored trigger: pushes and tags of one repository, filtered by branch and tag patterns, start a
/// stored pipeline. Its secret is never part of this record; see <see cref="TriggerStore.SecretAsync"/>.
/// </summary>
public sealed record GitTrigger
{
    /// <summary>The trigger's name, a DNS-1123 label; its webhook is <c>POST /api/v1/triggers/{name}</c>.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string? Description { get; init; }

    /// <summary><see cref="GitProviders.GitHub"/> or <see cref="GitProviders.GitLab"/>.</summary>
    public required string Provider { get; init; }

    /// <summary>The repository's path (<c>owner/name</c>, or <c>group/subgroup/name</c> on GitLab); other repositories' webhooks start nothing.</summary>
    public required string Repository { get; init; }

    /// <summary>The stored pipeline to run: <c>name@namespace.domain</c> (its latest published version) or with <c>:version</c>.</summary>
    public required string Pipeline { get; init; }

    /// <summary>Branch patterns whose pushes start a run (<c>*</c> within a path segment, <c>**</c> across); none: no branch push does.</summary>
    public IReadOnlyList<string> Branches { get; init; } = [];

    /// <summary>Tag patterns whose creation starts a run; none: no tag does.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Fixed run-time params every run of the trigger gets (the git values are added to them).</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary><c>https</c> or <c>ssh</c>: which of the repository's clone URLs becomes GIT_URL.</summary>
    public string CloneUrl { get; init; } = CloneUrls.Https;

    /// <summary>False: deliveries are verified and answered, and start nothing.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Which key created it.</summary>
    public string CreatedBy { get; init; } = "";

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Which clone URL of a repository a trigger passes as GIT_URL.</summary>
public static class CloneUrls
{
    /// <summary>The https:// URL.</summary>
    public const string Https = "https";

    /// <summary>The SSH URL (git@host:path.git), for the build job's SSH key.</summary>
    public const string Ssh = "ssh";
}

/// <summary>What one webhook delivery did.</summary>
/// <param name="DeliveryId">The Git server's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID).</param>
/// <param name="ReceivedAt">When it first arrived.</param>
/// <param name="Event">The event as the server named it (push, Tag Push Hook...).</param>
/// <param name="Ref">The ref pushed, when the delivery named one.</param>
/// <param name="Commit">The commit pushed, when the delivery named one.</param>
/// <param name="Outcome"><c>started</c> (a run), <c>ignored</c> (nothing to run, see the reason) or <c>failed</c> (the pipeline could not start).</param>
/// <param name="Reason">Why it was ignored or failed.</param>
/// <param name="RunId">The run it started.</param>
public sealed record TriggerDelivery(string DeliveryId, DateTimeOffset ReceivedAt, string Event, string? Ref, string? Commit, string Outcome, string? Reason, Guid? RunId);

/// <summary>What a delivery did (<see cref="TriggerDelivery.Outcome"/>).</summary>
public static class TriggerOutcomes
{
    /// <summary>A run started.</summary>
    public const string Started = "started";

    /// <summary>Nothing to run; see the reason.</summary>
    public const string Ignored = "ignored";

    /// <summary>The pipeline could not start; a redelivery tries again.</summary>
    public const string Failed = "failed";
}
