using System.Text.Json;
using MFlow.Documents;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Security;

/// <summary>/api/v1/keys: admins create, list and revoke API keys.</summary>
public static class ApiKeyEndpoints
{
    /// <summary>The largest request body.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    static readonly DocumentLimits BodyLimits = new("request body", MaxBodyBytes, 4, 16, 0, MaxBodyBytes);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        // Who the caller is: the key's name and role (never the key), for clients that show what their key may do.
        app.MapGet("/api/v1/me", (HttpContext http) => Results.Ok(new CallerView(http.User.Actor(), http.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "")))
            .RequireAuthorization(ApiRoles.Viewer).WithSummary("The calling key's name and role.").Produces<CallerView>();

        var keys = app.MapGroup("/api/v1/keys").RequireAuthorization(ApiRoles.Admin);
        keys.MapGet("/", async (ApiKeyStore store, CancellationToken ct) => Results.Ok(await store.ListAsync(ct))).Produces<IReadOnlyList<ApiKeyInfo>>();
        keys.MapPost("/", async (HttpContext http, ApiKeyStore store, CancellationToken ct) =>
        {
            CreateKeyRequest request;
            try
            {
                request = BoundedReader.ReadJson<CreateKeyRequest>(await RequestBody.ReadBytesAsync(http.Request, ct), BodyLimits, JsonSerializerOptions.Web)
                    ?? new CreateKeyRequest(null, null);
            }
            catch (Exception ex) when (ex is JsonException or DocumentLimitException { TooLarge: false })
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Not a key request as JSON ({{\"name\", \"role\"}}): {TextRules.Shown(ex.Message, 300)}"] }, title: "The key request is not valid.");
            }

            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Name) || TextRules.CheckLine(request.Name, TextRules.MaxNameLength) is not null)
                errors["name"] = [$"A key needs a name of at most {TextRules.MaxNameLength} characters, without control characters."];
            if (!ApiRoles.IsRole(request.Role))
                errors["role"] = [$"'{TextRules.Shown(request.Role)}' is not a role: expected {string.Join(", ", ApiRoles.All)}."];
            if (errors.Count > 0)
                return Results.ValidationProblem(errors, title: "The key request is not valid.");

            try
            {
                var (key, secret) = await store.CreateAsync(request.Name!, request.Role!, http.User.Actor(), ct);
                return Results.Created($"/api/v1/keys/{key.Id}", new CreatedKey(key, secret));
            }
            catch (System.Data.Common.DbException ex) when (MFlow.Persistence.Database.IsUniqueViolation(ex))
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "A key with this name exists.", detail: $"Choose another name than '{request.Name}'.");
            }
        }).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(CreateKeyRequest)).Produces<CreatedKey>(StatusCodes.Status201Created).ProducesValidationProblem();
        keys.MapDelete("/{id:guid}", async (Guid id, ApiKeyStore store, CancellationToken ct) =>
            await store.RevokeAsync(id, ct) ? Results.NoContent() : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such live key."))
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>POST /api/v1/keys body.</summary>
    public sealed record CreateKeyRequest(string? Name, string? Role);

    /// <summary>The created key, with its secret: shown this once and never again.</summary>
    public sealed record CreatedKey(ApiKeyInfo Key, string Secret);
}

/// <summary>What GET /api/v1/me answers: the calling key's name and role.</summary>
/// <param name="Name">The key's name.</param>
/// <param name="Role">viewer, operator or admin.</param>
public sealed record CallerView(string Name, string Role);
