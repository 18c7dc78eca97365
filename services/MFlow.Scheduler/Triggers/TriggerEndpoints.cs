using System.Text.Json;
using System.Text.RegularExpressions;
using MFlow.Documents;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Triggers;

/// <summary>
/// /api/v1/triggers: git triggers managed by admins (read by viewers; secrets go in and never come
/// out), and each trigger's webhook, <c>POST /api/v1/triggers/{name}</c>, which GitHub or GitLab
/// calls with the trigger's secret instead of an API key.
/// </summary>
public static partial class TriggerEndpoints
{
    /// <summary>The largest trigger definition.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The most deliveries one list returns.</summary>
    public const int MaxDeliveriesListed = TriggerStore.KeptDeliveries;

    /// <summary>The params a trigger sets from each push; a trigger's fixed params cannot name them.</summary>
    public static readonly IReadOnlySet<string> GitParams = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "GIT_URL", "GIT_REF", "GIT_BRANCH", "GIT_TAG", "GIT_COMMIT", "APP_VERSION",
    };

    const int MinSecretLength = 16;
    const int MaxSecretLength = 256;
    const int MaxFixedParams = 100;
    static readonly DocumentLimits BodyLimits = new("request body", MaxBodyBytes, 4, 1_000, 0, MaxBodyBytes);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapTriggerEndpoints(this IEndpointRouteBuilder app)
    {
        var triggers = app.MapGroup("/api/v1/triggers");
        triggers.MapGet("/", async (TriggerStore store, CancellationToken ct) => Results.Ok((await store.ListAsync(ct)).Select(TriggerView.From)))
            .RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<TriggerView>>();
        triggers.MapGet("/{name}", async (string name, TriggerStore store, CancellationToken ct) =>
            await store.GetAsync(name, ct) is { } found ? Results.Ok(TriggerView.From(found)) : TriggerNotFound(name))
            .RequireAuthorization(ApiRoles.Viewer).Produces<TriggerView>().ProducesProblem(StatusCodes.Status404NotFound);
        triggers.MapGet("/{name}/deliveries", ListDeliveriesAsync).RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<TriggerDelivery>>();
        triggers.MapPost("/", CreateAsync).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(TriggerRequest))
            .Produces<TriggerView>(StatusCodes.Status201Created).ProducesValidationProblem();
        triggers.MapPut("/{name}", UpdateAsync).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(TriggerRequest))
            .Produces<TriggerView>().ProducesValidationProblem();
        triggers.MapDelete("/{name}", async (string name, TriggerStore store, CancellationToken ct) =>
            KubernetesNames.IsDns1123Label(name) && await store.DeleteAsync(name, ct) ? Results.NoContent() : TriggerNotFound(name))
            .RequireAuthorization(ApiRoles.Admin).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        // The Git server authenticates with the trigger's secret, checked by the handler.
        triggers.MapPost("/{name}", GitWebhookEndpoint.ReceiveAsync).AllowAnonymous().AcceptsBody(GitWebhook.MaxBodyBytes, BodyRules.Json)
            .RequireRateLimiting(WebhookRateLimit.Policy);
        return app;
    }

    static async Task<IResult> CreateAsync(HttpContext http, TriggerStore store, DefinitionStore definitions, CancellationToken ct)
    {
        var (request, invalid) = await ReadAsync(http, null, definitions, requireSecret: true, ct);
        if (invalid is not null)
            return invalid;
        var now = DateTimeOffset.UtcNow;
        var trigger = request!.ToTrigger(now, http.User.Actor());
        return await store.CreateAsync(trigger, request.Secret!, ct)
            ? Results.Created($"/api/v1/triggers/{trigger.Name}", TriggerView.From(trigger))
            : Problems.Conflict($"A trigger '{trigger.Name}' exists.", "Change it with PUT, or choose another name.");
    }

    static async Task<IResult> UpdateAsync(string name, HttpContext http, TriggerStore store, DefinitionStore definitions, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } existing)
            return TriggerNotFound(name);
        var (request, invalid) = await ReadAsync(http, name, definitions, requireSecret: false, ct);
        if (invalid is not null)
            return invalid;
        var trigger = request!.ToTrigger(existing.CreatedAt, existing.CreatedBy) with { UpdatedAt = DateTimeOffset.UtcNow };
        return await store.UpdateAsync(trigger, request.Secret, ct) ? Results.Ok(TriggerView.From(trigger)) : TriggerNotFound(name);
    }

    static async Task<IResult> ListDeliveriesAsync(string name, string? limit, TriggerStore store, CancellationToken ct)
    {
        var count = 50;
        if (limit is not null && (!int.TryParse(limit, out count) || count is < 1 or > MaxDeliveriesListed))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"'{TextRules.Shown(limit)}' is not a number of deliveries from 1 to {MaxDeliveriesListed}."] });
        if (await store.GetAsync(name, ct) is null)
            return TriggerNotFound(name);
        return Results.Ok(await store.RecentDeliveriesAsync(name, count, ct));
    }

    /// <summary>404 for a trigger name.</summary>
    public static IResult TriggerNotFound(string name) => Problems.NotFound($"No trigger '{TextRules.Shown(name)}'.");

    // The body, read within its limit, then checked; the route's name (PUT) wins over the body's.
    static async Task<(TriggerRequest? Request, IResult? Invalid)> ReadAsync(HttpContext http, string? routeName, DefinitionStore definitions, bool requireSecret, CancellationToken ct)
    {
        TriggerRequest? request;
        try
        {
            request = BoundedReader.ReadJson<TriggerRequest>(await RequestBody.ReadBytesAsync(http.Request, ct), BodyLimits, JsonSerializerOptions.Web);
        }
        catch (Exception ex) when (ex is JsonException or DocumentLimitException { TooLarge: false })
        {
            return (null, Invalid(new() { ["body"] = [$"Not a trigger as JSON: {TextRules.Shown(ex.Message, 300)}"] }));
        }

        request = (request ?? new TriggerRequest()) with { Name = routeName ?? request?.Name };
        var errors = Validate(request, requireSecret);
        if (!errors.ContainsKey("pipeline") && DefinitionName.TryParse(request.Pipeline, out var pipeline)
            && await definitions.FindAsync(DefinitionTypes.Pipeline, pipeline, ct) is null)
        {
            errors["pipeline"] = [pipeline.IsLatest
                ? $"Pipeline {pipeline.Unversioned} has no published version: publish it before a trigger runs it."
                : $"There is no pipeline {pipeline}."];
        }

        return (request, errors.Count == 0 ? null : Invalid(errors));
    }

    static IResult Invalid(Dictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, title: "The trigger is not valid.", type: "https://mflow.dev/problems/invalid");

    static Dictionary<string, string[]> Validate(TriggerRequest request, bool requireSecret)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message];

        if (!KubernetesNames.IsDns1123Label(request.Name))
            Add("name", $"'{TextRules.Shown(request.Name)}' is not a valid trigger name: lowercase letters, digits and '-', at most 63.");
        if (TextRules.CheckText(request.Description, 1000) is { } description)
            Add("description", $"The description {description}");
        if (request.Provider is null || !GitProviders.All.Contains(request.Provider))
            Add("provider", $"'{TextRules.Shown(request.Provider)}' is not a provider: {string.Join(" or ", GitProviders.All)}.");
        if (request.Secret is null)
        {
            if (requireSecret)
                Add("secret", $"The webhook secret is required: at least {MinSecretLength} characters, the same as set on the Git server.");
        }
        else if (request.Secret.Length is < MinSecretLength or > MaxSecretLength || request.Secret.Any(char.IsControl))
        {
            // Never quoted back: it is a secret even when it is a bad one.
            Add("secret", $"The secret must be {MinSecretLength} to {MaxSecretLength} characters without control characters.");
        }

        if (request.Repository is null || request.Repository.Length > 300 || !RepositoryPath().IsMatch(request.Repository))
            Add("repository", $"'{TextRules.Shown(request.Repository)}' is not a repository path (owner/name, or group/subgroup/name).");
        if (!DefinitionName.TryParse(request.Pipeline, out _))
            Add("pipeline", $"'{TextRules.Shown(request.Pipeline)}' is not a pipeline's unique name: <name>@<namespace>.<domain>[:<version>].");

        foreach (var (field, patterns) in new[] { ("branches", request.Branches), ("tags", request.Tags) })
        {
            if (patterns is { Count: > RefPatterns.MaxCount })
                Add(field, $"At most {RefPatterns.MaxCount} patterns.");
            for (var i = 0; i < Math.Min(patterns?.Count ?? 0, RefPatterns.MaxCount); i++)
            {
                if (RefPatterns.Problem(patterns![i]) is { } problem)
                    Add($"{field}[{i}]", $"The pattern {problem}");
            }
        }

        if ((request.Branches?.Count ?? 0) + (request.Tags?.Count ?? 0) == 0)
            Add("branches", "Give at least one branch or tag pattern (\"main\", \"release/*\", \"v*\"): a trigger without any would start nothing.");

        if (request.Params is { Count: > MaxFixedParams })
            Add("params", $"At most {MaxFixedParams} params.");
        foreach (var (name, value) in (request.Params ?? []).Take(MaxFixedParams))
        {
            if (GitParams.Contains(name))
                Add($"params.{TextRules.Shown(name)}", $"{name} is set from each push; a trigger cannot fix it.");
            else if (!TextRules.IsParamName(name))
                Add($"params.{TextRules.Shown(name)}", $"'{TextRules.Shown(name)}' is not a param name (letters, digits and '_').");
            else if (LooksSecret(name))
                Add($"params.{name}", $"{name} looks like a secret, and a trigger's params are stored and shown in the clear: give the job a sensitive param "
                    + "(sensitive: true) with its value as the default, which is stored encrypted and never shown, as a Tekton trigger names a Secret and GitLab keeps masked variables.");
            else if (TextRules.CheckText(value, 64 * 1024) is { } problem)
                Add($"params.{name}", $"The value {problem}");
        }

        if (request.CloneUrl is not null and not (CloneUrls.Https or CloneUrls.Ssh))
            Add("cloneUrl", $"'{TextRules.Shown(request.CloneUrl)}' is not {CloneUrls.Https} or {CloneUrls.Ssh}.");
        return errors;
    }

    /// <summary>Whether a param's name says it holds a secret (a password, token, key, credential): a trigger refuses to store one in the clear.</summary>
    public static bool LooksSecret(string name) => SecretName().IsMatch(name);

    [GeneratedRegex("PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|KUBECONFIG|CERT_?KEY|SSH_?KEY", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+\\z")]
    private static partial Regex RepositoryPath();

    /// <summary>The body of POST and PUT.</summary>
    public sealed record TriggerRequest
    {
        /// <summary>The trigger's name (POST only; PUT takes the route's).</summary>
        public string? Name { get; init; }

        /// <summary>What it is for.</summary>
        public string? Description { get; init; }

        /// <summary>github or gitlab.</summary>
        public string? Provider { get; init; }

        /// <summary>The webhook secret (required on POST; on PUT, absent keeps the stored one).</summary>
        public string? Secret { get; init; }

        /// <summary>owner/name.</summary>
        public string? Repository { get; init; }

        /// <summary>The stored pipeline's unique name.</summary>
        public string? Pipeline { get; init; }

        /// <summary>Branch patterns.</summary>
        public List<string>? Branches { get; init; }

        /// <summary>Tag patterns.</summary>
        public List<string>? Tags { get; init; }

        /// <summary>Fixed run-time params.</summary>
        public Dictionary<string, string>? Params { get; init; }

        /// <summary>https (default) or ssh.</summary>
        public string? CloneUrl { get; init; }

        /// <summary>Default true.</summary>
        public bool? Enabled { get; init; }

        /// <summary>The trigger this request describes (validated).</summary>
        public GitTrigger ToTrigger(DateTimeOffset createdAt, string createdBy) => new()
        {
            Name = Name!,
            Description = Description,
            Provider = Provider!,
            Repository = Repository!,
            Pipeline = Pipeline!,
            Branches = Branches ?? [],
            Tags = Tags ?? [],
            Params = Params ?? [],
            CloneUrl = CloneUrl ?? CloneUrls.Https,
            Enabled = Enabled ?? true,
            CreatedAt = createdAt,
            CreatedBy = createdBy,
            UpdatedAt = createdAt,
        };
    }
}

/// <summary>A trigger as the API shows it: never its secret.</summary>
public sealed record TriggerView(
    string Name, string? Description, string Provider, string Repository, string Pipeline, IReadOnlyList<string> Branches, IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Params, string CloneUrl, bool Enabled, string Webhook, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt)
{
    /// <summary>Builds the view.</summary>
    public static TriggerView From(GitTrigger trigger) => new(
        trigger.Name, trigger.Description, trigger.Provider, trigger.Repository, trigger.Pipeline, trigger.Branches, trigger.Tags,
        // One stored before such names were refused is still never shown.
        trigger.Params.ToDictionary(p => p.Key, p => TriggerEndpoints.LooksSecret(p.Key) ? "******" : p.Value),
        trigger.CloneUrl, trigger.Enabled, $"/api/v1/triggers/{trigger.Name}", trigger.CreatedAt, trigger.CreatedBy, trigger.UpdatedAt);
}
