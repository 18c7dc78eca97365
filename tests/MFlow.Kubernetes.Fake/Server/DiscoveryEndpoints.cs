using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>/version and the legacy (unaggregated) discovery documents clients such as kubectl read.</summary>
internal sealed class DiscoveryEndpoints(ResourceRegistry registry, string kubernetesVersion)
{
    /// <summary>Answers a discovery path; false when the path is none of them.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context, ApiRoute route, CancellationToken cancellationToken)
    {
        var segments = route.Path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        JsonObject? document = segments switch
        {
            ["version"] => Version(),
            ["api"] => new JsonObject
            {
                ["kind"] = "APIVersions",
                ["versions"] = new JsonArray("v1"),
                ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
                {
                    ["clientCIDR"] = "0.0.0.0/0",
                    ["serverAddress"] = $"{context.Request.Host}",
                }),
            },
            ["apis"] => new JsonObject
            {
                ["kind"] = "APIGroupList",
                ["apiVersion"] = "v1",
                ["groups"] = new JsonArray(registry.GroupVersions.Where(gv => gv.Group.Length > 0).Select(gv => (JsonNode?)Group(gv.Group, gv.Version)).ToArray()),
            },
            ["apis", var group] when registry.All.FirstOrDefault(type => type.Group == group) is { } type => Group(group, type.Version),
            ["api", var version] => Resources("", version),
            ["apis", var group, var version] => Resources(group, version),
            _ => null,
        };
        if (document is null)
        {
            return false;
        }

        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, document, cancellationToken);
        return true;
    }

    private JsonObject Version()
    {
        var parts = kubernetesVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = parts.ElementAtOrDefault(0) ?? "1",
            ["minor"] = parts.ElementAtOrDefault(1) ?? "0",
            ["gitVersion"] = kubernetesVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2025-01-01T00:00:00Z",
            ["goVersion"] = "go1.24.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    private static JsonObject Group(string group, string version)
    {
        var groupVersion = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(groupVersion),
            ["preferredVersion"] = groupVersion.DeepClone(),
        };
    }

    private JsonObject? Resources(string group, string version)
    {
        var types = registry.All.Where(type => type.Group == group && type.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = true,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(type.Verbs.Select(verb => (JsonNode?)verb).ToArray()),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray(type.ShortNames.Select(name => (JsonNode?)name).ToArray());
            }

            resources.Add(resource);
            foreach (var subresource in type.Subresources)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{type.Plural}/{subresource}",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["kind"] = subresource == "log" ? "Pod" : type.Kind,
                    ["verbs"] = new JsonArray("get"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
