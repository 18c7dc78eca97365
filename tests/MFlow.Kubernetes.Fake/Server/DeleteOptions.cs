using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>
/// A DELETE's options, from its DeleteOptions body and/or query: propagation policy (Background when
/// unset, as kubectl sends), preconditions and dryRun.
/// </summary>
internal sealed record DeleteOptions(string Propagation, string? PreconditionUid, string? PreconditionResourceVersion, bool DryRun)
{
    public static async Task<DeleteOptions> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Clients send DeleteOptions with or without Content-Length (HTTP/2), or no body at all.
        var body = await HttpIo.ReadOptionalJsonAsync(request, "DeleteOptions", cancellationToken) as JsonObject;

        var query = request.Query;
        var policy = NonEmpty(query["propagationPolicy"]) ?? KubeJson.String(body?["propagationPolicy"]);
        if (policy is null)
        {
            var orphan = NonEmpty(query["orphanDependents"]) is { } text ? text == "true" : KubeJson.Boolean(body?["orphanDependents"]);
            policy = orphan == true ? "Orphan" : "Background";
        }

        if (policy is not ("Background" or "Foreground" or "Orphan"))
        {
            throw ApiErrors.BadRequest($"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        }

        var dryRun = query["dryRun"].Contains("All")
            || (body?["dryRun"] as JsonArray ?? []).Any(item => KubeJson.String(item) == "All");
        return new DeleteOptions(
            policy,
            KubeJson.String(body?["preconditions"]?["uid"]),
            KubeJson.String(body?["preconditions"]?["resourceVersion"]),
            dryRun);
    }

    /// <summary>Refuses the deletion with 409 when a precondition does not hold.</summary>
    public void CheckPreconditions(ResourceType type, JsonObject current)
    {
        var name = KubeJson.Name(current) ?? "";
        if (PreconditionUid is { Length: > 0 } uid && uid != KubeJson.Uid(current))
        {
            throw ApiErrors.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {KubeJson.Uid(current)}");
        }

        if (PreconditionResourceVersion is { Length: > 0 } version && version != KubeJson.ResourceVersion(current))
        {
            throw ApiErrors.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {version}, ResourceVersion in object meta: {KubeJson.ResourceVersion(current)}");
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
