using System.Text.Json;
using MFlow.Documents;
using MFlow.Kubernetes;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Clusters;

/// <summary>/api/v1/clusters: register target clusters by id; their kubeconfigs go in and never come out.</summary>
public static partial class ClusterEndpoints
{
    /// <summary>The largest request body: a kubeconfig (at most <see cref="DocumentLimits.Kubeconfig"/>) escaped in JSON.</summary>
    public const int MaxBodyBytes = 512 * 1024;

    // The body is a small JSON object; the kubeconfig inside it is checked on its own.
    static readonly DocumentLimits BodyLimits = new("request body", MaxBodyBytes, 4, 16, 0, MaxBodyBytes);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var clusters = app.MapGroup("/api/v1/clusters");
        clusters.MapGet("/", async (ClusterStore store, CancellationToken ct) => Results.Ok(await store.ListAsync(ct)))
            .RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<ClusterInfo>>();
        clusters.MapGet("/{id}", async (string id, ClusterStore store, CancellationToken ct) =>
            (await store.ListAsync(ct)).FirstOrDefault(c => c.Id == id) is { } found ? Results.Ok(found) : Problems.NotFound($"No cluster '{TextRules.Shown(id)}'."))
            .RequireAuthorization(ApiRoles.Viewer).Produces<ClusterInfo>().ProducesProblem(StatusCodes.Status404NotFound);
        clusters.MapPost("/", async (HttpContext http, ClusterStore store, CancellationToken ct) =>
        {
            var (request, invalid) = await ReadAsync(http, null, ct);
            if (invalid is not null)
                return invalid;
            return await store.CreateAsync(request!.Id!, request.Description, request.Kubeconfig!, http.User.Actor(), ct)
                ? Results.Created($"/api/v1/clusters/{request.Id}", (await store.ListAsync(ct)).First(c => c.Id == request.Id))
                : Problems.Conflict($"A cluster '{request.Id}' is registered.", "Update it with PUT, or choose another id.");
        }).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(ClusterRequest))
            .Produces<ClusterInfo>().ProducesValidationProblem();
        clusters.MapPut("/{id}", async (string id, HttpContext http, ClusterStore store, CancellationToken ct) =>
        {
            var (request, invalid) = await ReadAsync(http, id, ct);
            if (invalid is not null)
                return invalid;
            return await store.UpdateAsync(id, request!.Description, request.Kubeconfig!, ct)
                ? Results.Ok((await store.ListAsync(ct)).First(c => c.Id == id))
                : Problems.NotFound($"No cluster '{id}'.");
        }).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(ClusterRequest))
            .Produces<ClusterInfo>().ProducesValidationProblem();
        clusters.MapDelete("/{id}", async (string id, ClusterStore store, CancellationToken ct) =>
            !KubernetesNames.IsDns1123Label(id) ? Problems.NotFound($"No cluster '{TextRules.Shown(id)}'.")
            : await store.DeleteAsync(id, ct) ? Results.NoContent() : Problems.NotFound($"No cluster '{id}'."))
            .RequireAuthorization(ApiRoles.Admin).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    // The body, read within its limit, then checked; the route's id (PUT) wins over the body's.
    static async Task<(ClusterRequest? Request, IResult? Invalid)> ReadAsync(HttpContext http, string? routeId, CancellationToken ct)
    {
        ClusterRequest? request;
        try
        {
            request = BoundedReader.ReadJson<ClusterRequest>(await RequestBody.ReadBytesAsync(http.Request, ct), BodyLimits, JsonSerializerOptions.Web);
        }
        catch (Exception ex) when (ex is JsonException or DocumentLimitException { TooLarge: false })
        {
            return (null, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Not a cluster as JSON ({{\"id\", \"description\", \"kubeconfig\"}}): {TextRules.Shown(ex.Message, 300)}"] }, title: "The cluster is not valid."));
        }

        request = (request ?? new ClusterRequest(null, null, null)) with { Id = routeId ?? request?.Id };
        return (request, Validate(request));
    }

    static IResult? Validate(ClusterRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Id is null || !KubernetesNames.IsDns1123Label(request.Id))
            errors["id"] = [$"'{TextRules.Shown(request.Id)}' is not a valid cluster id: lowercase letters, digits and '-'."];
        if (TextRules.CheckText(request.Description, 1000) is { } problem)
            errors["description"] = [$"The description {problem}"];
        if (string.IsNullOrWhiteSpace(request.Kubeconfig))
        {
            errors["kubeconfig"] = ["The cluster's kubeconfig is required."];
        }
        else if (KubeconfigValidator.Problems(request.Kubeconfig) is { Count: > 0 } problems)
        {
            // Checked by structure only: an exec plugin it names is never run here. The problems never quote credentials.
            errors["kubeconfig"] = [.. problems.Select(problem => $"Not a usable kubeconfig: {problem}")];
        }

        return errors.Count == 0 ? null : Results.ValidationProblem(errors, title: "The cluster is not valid.");
    }

    /// <summary>The body of POST and PUT.</summary>
    public sealed record ClusterRequest(string? Id, string? Description, string? Kubeconfig);
}
