using MFlow.Kubernetes;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Clusters;

/// <summary>/api/v1/clusters: register target clusters by id; their kubeconfigs go in and never come out.</summary>
public static partial class ClusterEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var clusters = app.MapGroup("/api/v1/clusters");
        clusters.MapGet("/", async (ClusterStore store, CancellationToken ct) => Results.Ok(await store.ListAsync(ct)))
            .RequireAuthorization(ApiRoles.Viewer);
        clusters.MapGet("/{id}", async (string id, ClusterStore store, CancellationToken ct) =>
            (await store.ListAsync(ct)).FirstOrDefault(c => c.Id == id) is { } found ? Results.Ok(found) : Problems.NotFound($"No cluster '{id}'."))
            .RequireAuthorization(ApiRoles.Viewer);
        clusters.MapPost("/", async (ClusterRequest request, HttpContext http, ClusterStore store, CancellationToken ct) =>
        {
            if (Validate(request, requireId: true) is { } invalid)
                return invalid;
            return await store.CreateAsync(request.Id!, request.Description, request.Kubeconfig!, http.User.Actor(), ct)
                ? Results.Created($"/api/v1/clusters/{request.Id}", (await store.ListAsync(ct)).First(c => c.Id == request.Id))
                : Problems.Conflict($"A cluster '{request.Id}' is registered.", "Update it with PUT, or choose another id.");
        }).RequireAuthorization(ApiRoles.Admin);
        clusters.MapPut("/{id}", async (string id, ClusterRequest request, ClusterStore store, CancellationToken ct) =>
        {
            if (Validate(request with { Id = id }, requireId: true) is { } invalid)
                return invalid;
            return await store.UpdateAsync(id, request.Description, request.Kubeconfig!, ct)
                ? Results.Ok((await store.ListAsync(ct)).First(c => c.Id == id))
                : Problems.NotFound($"No cluster '{id}'.");
        }).RequireAuthorization(ApiRoles.Admin);
        clusters.MapDelete("/{id}", async (string id, ClusterStore store, CancellationToken ct) =>
            await store.DeleteAsync(id, ct) ? Results.NoContent() : Problems.NotFound($"No cluster '{id}'."))
            .RequireAuthorization(ApiRoles.Admin);
        return app;
    }

    static IResult? Validate(ClusterRequest request, bool requireId)
    {
        var errors = new Dictionary<string, string[]>();
        if (requireId && (request.Id is null || !KubernetesNames.IsDns1123Label(request.Id)))
            errors["id"] = [$"'{request.Id}' is not a valid cluster id: lowercase letters, digits and '-'."];
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
