using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MFlow.Documents;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Triggers;

/// <summary>A push of a branch or a tag, as a GitHub or GitLab webhook described it.</summary>
/// <param name="Repository">The repository's path (owner/name).</param>
/// <param name="Ref">The full ref (refs/heads/main, refs/tags/v1.4.0).</param>
/// <param name="Commit">The commit the ref points to now (for an annotated tag, the tagged commit).</param>
/// <param name="Deleted">True when the push deleted the ref.</param>
/// <param name="HttpsUrl">The repository's https clone URL.</param>
/// <param name="SshUrl">The repository's SSH clone URL.</param>
/// <param name="Pusher">Who pushed, when the server said.</param>
public sealed record GitPush(string Repository, string Ref, string? Commit, bool Deleted, string? HttpsUrl, string? SshUrl, string? Pusher)
{
    const string BranchPrefix = "refs/heads/";
    const string TagPrefix = "refs/tags/";

    /// <summary>The branch pushed, or null for a tag.</summary>
    public string? Branch => Ref.StartsWith(BranchPrefix, StringComparison.Ordinal) ? Ref[BranchPrefix.Length..] : null;

    /// <summary>The tag pushed, or null for a branch.</summary>
    public string? Tag => Ref.StartsWith(TagPrefix, StringComparison.Ordinal) ? Ref[TagPrefix.Length..] : null;
}

/// <summary>
/// Reads GitHub's and GitLab's push and tag webhooks: verifies a delivery against the trigger's
/// secret before anything in it is read, then takes what a run needs out of its body.
/// </summary>
public static partial class GitWebhook
{
    /// <summary>The largest webhook body: GitHub's push payloads list at most 20 commits in full, GitLab's 20.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;

    // A push payload nests about six levels; its values are a few thousand at most.
    static readonly DocumentLimits BodyLimits = new("webhook body", MaxBodyBytes, 16, 100_000, 0, MaxBodyBytes);

    /// <summary>GitHub's signature header.</summary>
    public const string GitHubSignatureHeader = "X-Hub-Signature-256";

    /// <summary>GitLab's token header.</summary>
    public const string GitLabTokenHeader = "X-Gitlab-Token";

    /// <summary>
    /// Why the delivery is not from the trigger's Git server (no signature, or one made with another
    /// secret), or null when it is. Compared in constant time.
    /// </summary>
    public static string? Unverified(string provider, IHeaderDictionary headers, byte[] body, string secret)
    {
        if (provider == GitProviders.GitHub)
        {
            var signature = headers[GitHubSignatureHeader].FirstOrDefault();
            if (string.IsNullOrEmpty(signature))
                return $"The delivery has no {GitHubSignatureHeader} header: set the webhook's secret on GitHub.";
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
            return signature.StartsWith("sha256=", StringComparison.Ordinal) && TryHex(signature["sha256=".Length..], out var given)
                && CryptographicOperations.FixedTimeEquals(expected, given)
                ? null
                : $"The {GitHubSignatureHeader} signature does not match the body signed with this trigger's secret.";
        }

        var token = headers[GitLabTokenHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(token))
            return $"The delivery has no {GitLabTokenHeader} header: set the webhook's secret token on GitLab.";
        // Hashed first, so that neither the comparison's time nor its length check says anything about the secret.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(secret)))
            ? null
            : $"The {GitLabTokenHeader} is not this trigger's secret token.";
    }

    /// <summary>The event header's name for a provider.</summary>
    public static string EventHeader(string provider) => provider == GitProviders.GitHub ? "X-GitHub-Event" : "X-Gitlab-Event";

    /// <summary>The delivery id header's name for a provider.</summary>
    public static string DeliveryHeader(string provider) => provider == GitProviders.GitHub ? "X-GitHub-Delivery" : "X-Gitlab-Event-UUID";

    /// <summary>True for the events that carry a push or a tag.</summary>
    public static bool IsPush(string provider, string gitEvent) =>
        provider == GitProviders.GitHub ? gitEvent == "push" : gitEvent is "Push Hook" or "Tag Push Hook";

    /// <summary>True for GitHub's ping, sent when a webhook is created.</summary>
    public static bool IsPing(string provider, string gitEvent) => provider == GitProviders.GitHub && gitEvent == "ping";

    /// <summary>True for a delivery id as GitHub (a GUID) and GitLab (a UUID) send them.</summary>
    public static bool IsDeliveryId(string? id) => id is not null && DeliveryId().IsMatch(id);

    /// <summary>Reads a push out of a verified body.</summary>
    /// <exception cref="PipelineValidationException">The body is not a push event's JSON; the error names the field.</exception>
    public static GitPush ReadPush(string provider, byte[] body)
    {
        JsonObject root;
        try
        {
            BoundedReader.CheckJson(body, BodyLimits);
            root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = BodyLimits.MaxDepth + 1 }) as JsonObject
                ?? throw PipelineValidationException.For("body", "A push event is a JSON object.");
        }
        catch (Exception ex) when (ex is JsonException or DocumentLimitException)
        {
            throw PipelineValidationException.For("body", $"Not a push event as JSON: {TextRules.Shown(ex.Message, 300)}");
        }

        var github = provider == GitProviders.GitHub;
        var repository = github ? root["repository"] : root["project"];
        var repositoryPath = github ? "repository.full_name" : "project.path_with_namespace";
        var gitRef = Text(root, "ref", "ref") ?? throw PipelineValidationException.For("ref", "The push names no ref.");
        var path = Text(repository, github ? "full_name" : "path_with_namespace", repositoryPath)
            ?? throw PipelineValidationException.For(repositoryPath, "The push names no repository.");
        var after = Text(root, "after", "after");
        var commit = github ? Text(root["head_commit"], "id", "head_commit.id") ?? after : Text(root, "checkout_sha", "checkout_sha") ?? after;
        var deleted = (github && root["deleted"] is JsonValue flag && flag.TryGetValue<bool>(out var isDeleted) && isDeleted) || after == new string('0', 40);
        return new GitPush(
            path,
            gitRef,
            deleted ? null : commit,
            deleted,
            Text(repository, github ? "clone_url" : "git_http_url", github ? "repository.clone_url" : "project.git_http_url"),
            Text(repository, github ? "ssh_url" : "git_ssh_url", github ? "repository.ssh_url" : "project.git_ssh_url"),
            github ? Text(root["pusher"], "name", "pusher.name") : Text(root, "user_username", "user_username"));
    }

    /// <summary>
    /// The params a run of <paramref name="trigger"/> gets for a push: GIT_URL, GIT_REF (the branch or
    /// tag, as the built-in build job takes it), GIT_BRANCH or GIT_TAG, GIT_COMMIT and APP_VERSION
    /// (the tag without a leading 'v', else the commit's first 7 digits). Each value is checked: a
    /// Git server's text flows into Jobs.
    /// </summary>
    /// <exception cref="PipelineValidationException">A value is not what a Git server sends; the error names it.</exception>
    public static IReadOnlyDictionary<string, string> RunParams(GitTrigger trigger, GitPush push)
    {
        var errors = new ValidationErrors();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var url = trigger.CloneUrl == CloneUrls.Ssh ? push.SshUrl : push.HttpsUrl;
        if (url is null)
            errors.Add(trigger.CloneUrl == CloneUrls.Ssh ? "repository.ssh_url" : "repository.clone_url", $"The push has no {trigger.CloneUrl} clone URL for GIT_URL.");
        else if (!IsCloneUrl(url))
            errors.Add("GIT_URL", $"'{TextRules.Shown(url, 200)}' is not a clone URL (https://..., ssh://... or user@host:path, letters, digits and . _ ~ : / @ % + - only).");
        else
            values["GIT_URL"] = url;

        var name = push.Branch ?? push.Tag!;
        if (!IsRefName(name))
            errors.Add("ref", $"'{TextRules.Shown(push.Ref, 200)}' is not a branch or tag name MFlow accepts (letters, digits and . _ / + - only, as git check-ref-format).");
        else
        {
            values["GIT_REF"] = name;
            values[push.Branch is null ? "GIT_TAG" : "GIT_BRANCH"] = name;
        }

        if (push.Commit is not null)
        {
            if (!CommitId().IsMatch(push.Commit))
                errors.Add("GIT_COMMIT", $"'{TextRules.Shown(push.Commit)}' is not a commit id (40 or 64 hexadecimal digits).");
            else
                values["GIT_COMMIT"] = push.Commit;
        }

        if (push.Tag is { } tag && values.ContainsKey("GIT_TAG"))
            values["APP_VERSION"] = tag.Length > 1 && tag[0] is 'v' or 'V' && char.IsAsciiDigit(tag[1]) ? tag[1..] : tag;
        else if (values.TryGetValue("GIT_COMMIT", out var commit))
            values["APP_VERSION"] = commit[..7];

        errors.ThrowIfAny();
        return values;
    }

    /// <summary>
    /// True for a branch or tag name as <c>git check-ref-format</c> would take it, and stricter: only
    /// letters, digits and <c>. _ / + -</c>. Git allows <c>$ ( ) ; | &amp; ' "</c> in a ref, and whoever may
    /// push a matching branch would otherwise reach a stored job's <c>sh -c "… $(params.GIT_REF)"</c>.
    /// </summary>
    public static bool IsRefName(string name) =>
        name.Length is > 0 and <= 255 && RefName().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal)
        && !name.Contains("@{", StringComparison.Ordinal) && !name.Contains("//", StringComparison.Ordinal)
        && !name.EndsWith('/') && !name.EndsWith('.') && !name.EndsWith(".lock", StringComparison.Ordinal);

    static bool IsCloneUrl(string url) =>
        url.Length <= 2000 && url.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or ':' or '/' or '@' or '%' or '+' or '-')
        && ((Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" && uri.Host.Length > 0)
            || ScpLikeUrl().IsMatch(url));

    // A string field, or null when absent; a field of another type is an error naming it.
    static string? Text(JsonNode? parent, string name, string path)
    {
        var node = parent is JsonObject obj ? obj[name] : null;
        if (node is null)
            return null;
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
            return text.Length == 0 ? null : text;
        throw PipelineValidationException.For(path, $"{path} is not a string.");
    }

    static bool TryHex(string text, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    [GeneratedRegex("^[0-9A-Fa-f-]{8,64}\\z")]
    private static partial Regex DeliveryId();

    [GeneratedRegex("^(?:[0-9a-f]{40}|[0-9a-f]{64})\\z")]
    private static partial Regex CommitId();

    // Letters, digits and . _ / + - only; not starting with '-', '/' or '.'.
    [GeneratedRegex("^[A-Za-z0-9_+][A-Za-z0-9._/+-]*\\z")]
    private static partial Regex RefName();

    [GeneratedRegex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+\\z")]
    private static partial Regex ScpLikeUrl();
}
