using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>
/// A request path taken apart the apiserver's way: /api/v1/... (core) or /apis/{group}/{version}/...,
/// then [namespaces/{ns}/]{resource}[/{name}[/{subresource}]]; anything else is a non-resource path.
/// </summary>
internal sealed record ApiRoute(
    string Path,
    bool IsResource,
    string Group,
    string Version,
    string? Resource,
    string? Namespace,
    string? Name,
    string? Subresource,
    bool IsWellFormed)
{
    public static ApiRoute Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var nonResource = new ApiRoute(path, false, "", "", null, null, null, null, true);
        string group;
        string version;
        string[] rest;
        if (segments is ["api", var coreVersion, .. var coreRest])
        {
            (group, version, rest) = ("", coreVersion, coreRest);
        }
        else if (segments is ["apis", var apiGroup, var groupVersion, .. var groupRest])
        {
            (group, version, rest) = (apiGroup, groupVersion, groupRest);
        }
        else
        {
            return nonResource;
        }

        if (rest.Length == 0)
        {
            return nonResource;
        }

        var route = new ApiRoute(path, true, group, version, null, null, null, null, true);
        return rest switch
        {
            ["namespaces", var ns, var resource] => route with { Namespace = ns, Resource = resource },
            ["namespaces", var ns, var resource, var name] => route with { Namespace = ns, Resource = resource, Name = name },
            ["namespaces", var ns, var resource, var name, var sub] => route with { Namespace = ns, Resource = resource, Name = name, Subresource = sub },
            ["namespaces", ..] => route with { Resource = "namespaces", IsWellFormed = false },
            [var resource] => route with { Resource = resource },
            [var resource, var name] => route with { Resource = resource, Name = name },
            [var resource, var name, var sub] => route with { Resource = resource, Name = name, Subresource = sub },
            _ => route with { IsWellFormed = false },
        };
    }

    public static bool IsWatch(IQueryCollection query) => query["watch"].ToString() is "true" or "1";

    /// <summary>The Kubernetes verb of the request (RBAC's names), "get" etc. for non-resource paths.</summary>
    public string Verb(string method, IQueryCollection query)
    {
        if (!IsResource)
        {
            return method.ToLowerInvariant();
        }

        return method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" when Subresource is null && IsWatch(query) => "watch",
            "GET" or "HEAD" => Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
    }
}
