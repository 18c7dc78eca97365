using System.Text.Json.Nodes;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// /api/v1/jobs and /api/v1/pipelines: create (a draft), list, get (by id or unique name, "latest"
/// allowed), update a draft, publish, deprecate, delete a draft, and read a definition's changes.
/// Reading needs a viewer key, changing an admin key. Every change takes an optional ?reason=.
/// </summary>
public static class DefinitionEndpoints
{
    /// <summary>Maps both route groups.</summary>
    public static IEndpointRouteBuilder MapDefinitionEndpoints(this IEndpointRouteBuilder app)
    {
        Map(app, "/api/v1/jobs", DefinitionTypes.Job, "job", DefinitionParsers.ParseJob);
        Map(app, "/api/v1/pipelines", DefinitionTypes.Pipeline, "pipeline", DefinitionParsers.ParsePipeline);
        return app;
    }

    static void Map(IEndpointRouteBuilder app, string prefix, string type, string noun, Func<string, ParsedDefinition> parse)
    {
        var group = app.MapGroup(prefix);
        group.MapPost("/", async (HttpRequest http, string? reason, DefinitionStore store, CancellationToken ct) =>
        {
            if (InvalidReason(reason) is { } invalidReason)
                return invalidReason;
            ParsedDefinition parsed;
            try
            {
                parsed = parse(await RequestBody.ReadAsync(http, ct));
            }
            catch (PipelineValidationException ex)
            {
                return Problems.Invalid(ex, $"The {noun} definition is not valid.");
            }

            var created = await store.CreateAsync(type, parsed.Name, parsed.Kind, parsed.Labels, parsed.Document, http.HttpContext.User.Actor(), reason, ct);
            return created is null
                ? Problems.Conflict($"A {noun} named {parsed.Name} exists.", $"Versions are immutable once published; give the new one another version than '{parsed.Name.Version}'.")
                : Results.Created($"{prefix}/{created.Id}", View(created));
        }).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxDocumentBytes, BodyRules.Documents).Produces<DefinitionView>().ProducesValidationProblem();

        group.MapGet("/", async (HttpRequest http, string? name, string? @namespace, string? domain, string? stage, DefinitionStore store, CancellationToken ct) =>
        {
            var labels = new Dictionary<string, string>();
            foreach (var label in http.Query["label"].Where(l => l is not null))
            {
                var separator = label!.IndexOf('=');
                if (separator <= 0)
                    return Invalid("label", $"'{TextRules.Shown(label)}' is not key=value.");
                if (!KubernetesNames.IsLabelKey(label[..separator]) || !KubernetesNames.IsLabelValue(label[(separator + 1)..]))
                    return Invalid("label", $"'{TextRules.Shown(label)}' is not a valid label (Kubernetes' rules for label keys and values).");
                labels[label[..separator]] = label[(separator + 1)..];
            }

            // Filters go to the database as they are: each is held to what it can match.
            foreach (var (field, value) in new[] { ("name", name), ("namespace", @namespace), ("domain", domain) })
            {
                if (value is not null && !DefinitionName.IsValidPart(value))
                    return Invalid(field, $"'{TextRules.Shown(value)}' is not a valid {field}: lowercase letters, digits and '-'.");
            }

            if (stage is not null && stage is not (DefinitionStages.Draft or DefinitionStages.Published or DefinitionStages.Deprecated))
                return Invalid("stage", $"'{TextRules.Shown(stage)}' is not a stage: expected {DefinitionStages.Draft}, {DefinitionStages.Published} or {DefinitionStages.Deprecated}.");

            var found = await store.ListAsync(type, new DefinitionFilter(name, @namespace, domain, stage, labels), ct);
            return Results.Ok(found.Select(View));
        }).RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<DefinitionView>>().ProducesValidationProblem();

        // Named {id} like the routes that change a definition (which take only its id): OpenAPI cannot tell
        // /jobs/{reference} from /jobs/{id} apart, so the document holds one path with all three methods.
        group.MapGet("/{id}", async (string id, DefinitionStore store, CancellationToken ct) =>
            await FindAsync(store, type, id, ct) is { } found ? Results.Ok(View(found)) : Problems.NotFound($"No {noun} '{TextRules.Shown(id)}'."))
            .RequireAuthorization(ApiRoles.Viewer).WithSummary($"A {noun} by its id or by name@namespace.domain:version (or :latest).")
            .Produces<DefinitionView>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/changes", async (Guid id, DefinitionStore store, CancellationToken ct) =>
            await store.GetAsync(type, id, ct) is null ? Problems.NotFound($"No {noun} {id}.") : Results.Ok(await store.ChangesAsync(id, ct)))
            .RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<DefinitionChange>>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{id:guid}", async (Guid id, HttpRequest http, string? reason, DefinitionStore store, CancellationToken ct) =>
        {
            if (InvalidReason(reason) is { } invalidReason)
                return invalidReason;
            var existing = await store.GetAsync(type, id, ct);
            if (existing is null)
                return Problems.NotFound($"No {noun} {id}.");
            ParsedDefinition parsed;
            try
            {
                parsed = parse(await RequestBody.ReadAsync(http, ct));
            }
            catch (PipelineValidationException ex)
            {
                return Problems.Invalid(ex, $"The {noun} definition is not valid.");
            }

            if (parsed.Name != existing.Name)
            {
                return Results.ValidationProblem(
                    new Dictionary<string, string[]> { ["name"] = [$"An update cannot rename {existing.Name} to {parsed.Name}; create a new definition instead."] },
                    title: $"The {noun} definition is not valid.");
            }

            return await store.UpdateDraftAsync(type, id, parsed.Kind, parsed.Labels, parsed.Document, http.HttpContext.User.Actor(), reason, ct) switch
            {
                ChangeOutcome.Done => Results.Ok(View((await store.GetAsync(type, id, ct))!)),
                ChangeOutcome.NotFound => Problems.NotFound($"No {noun} {id}."),
                _ => Problems.Conflict($"{existing.Name} is {existing.Stage} and cannot be changed.",
                    $"Only a draft can be edited; a published {noun} is immutable. Create a new version instead."),
            };
        }).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxDocumentBytes, BodyRules.Documents).Produces<DefinitionView>().ProducesValidationProblem();

        group.MapPost("/{id:guid}/publish", async (Guid id, string? reason, HttpContext http, DefinitionStore store, JobResolver jobs, CancellationToken ct) =>
        {
            if (InvalidReason(reason) is { } invalidReason)
                return invalidReason;
            // A pipeline is published only when every job it names can run: a run of it must not
            // be the first to learn that a job does not exist.
            if (type == DefinitionTypes.Pipeline && await store.GetAsync(type, id, ct) is { Stage: DefinitionStages.Draft } draft)
            {
                try
                {
                    await jobs.ResolveAsync(DefinitionParsers.Pipeline(draft), ct);
                }
                catch (PipelineValidationException ex)
                {
                    return Problems.Invalid(ex, $"{draft.Name} names jobs that cannot run; publish them first.");
                }
            }

            return await TransitionAsync(store, type, noun, id, "published", "Only a draft can be published.",
                s => s.PublishAsync(type, id, http.User.Actor(), reason, ct), ct);
        }).RequireAuthorization(ApiRoles.Admin).Produces<DefinitionView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:guid}/deprecate", async (Guid id, string? reason, HttpContext http, DefinitionStore store, CancellationToken ct) =>
            InvalidReason(reason) ?? await TransitionAsync(store, type, noun, id, "deprecated", "Only a published definition can be deprecated.",
                s => s.DeprecateAsync(type, id, http.User.Actor(), reason, ct), ct))
            .RequireAuthorization(ApiRoles.Admin).Produces<DefinitionView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{id:guid}", async (Guid id, string? reason, HttpContext http, DefinitionStore store, CancellationToken ct) =>
        {
            if (InvalidReason(reason) is { } invalidReason)
                return invalidReason;
            var existing = await store.GetAsync(type, id, ct);
            return await store.DeleteDraftAsync(type, id, http.User.Actor(), reason, ct) switch
            {
                ChangeOutcome.Done => Results.NoContent(),
                ChangeOutcome.NotFound => Problems.NotFound($"No {noun} {id}."),
                _ => Problems.Conflict($"{existing?.Name} is {existing?.Stage} and cannot be deleted.", "Only a draft can be deleted; deprecate a published definition instead."),
            };
        }).RequireAuthorization(ApiRoles.Admin).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>The largest definition document, in bytes.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    static IResult? InvalidReason(string? reason) =>
        TextRules.CheckLine(reason) is { } problem ? Invalid("reason", $"The reason {problem}") : null;

    static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.", type: "https://mflow.dev/problems/invalid");

    /// <summary>A definition by id or by unique name (a missing version meaning latest).</summary>
    public static async Task<StoredDefinition?> FindAsync(DefinitionStore store, string type, string reference, CancellationToken cancellationToken) =>
        Guid.TryParse(reference, out var id) ? await store.GetAsync(type, id, cancellationToken)
        : DefinitionName.TryParse(reference, out var name) ? await store.FindAsync(type, name, cancellationToken)
        : null;

    static async Task<IResult> TransitionAsync(DefinitionStore store, string type, string noun, Guid id, string target, string rule, Func<DefinitionStore, Task<ChangeOutcome>> change, CancellationToken ct)
    {
        var before = await store.GetAsync(type, id, ct);
        return await change(store) switch
        {
            ChangeOutcome.Done => Results.Ok(View((await store.GetAsync(type, id, ct))!)),
            ChangeOutcome.NotFound => Problems.NotFound($"No {noun} {id}."),
            _ => Problems.Conflict($"{before?.Name} is {before?.Stage} and cannot be {target}.", rule),
        };
    }

    static DefinitionView View(StoredDefinition d) => new(
        d.Id, d.Name.ToString(), d.Name.Name, d.Name.Namespace, d.Name.Domain, d.Name.Version, d.Kind, d.Stage, d.Labels,
        DefinitionParsers.Shown(d), d.CreatedAt, d.CreatedBy, d.UpdatedAt, d.UpdatedBy, d.PublishedAt, d.DeprecatedAt);
}

/// <summary>A definition as the API shows it.</summary>
public sealed record DefinitionView(
    Guid Id,
    string UniqueName,
    string Name,
    string Namespace,
    string Domain,
    string Version,
    string? Kind,
    string Stage,
    IReadOnlyDictionary<string, string> Labels,
    JsonNode? Definition,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    DateTimeOffset? PublishedAt,
    DateTimeOffset? DeprecatedAt);
