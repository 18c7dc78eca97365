using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>The defaults the apiserver fills into a pod spec (a Pod's, or a Job's template).</summary>
internal static class PodSpecDefaults
{
    public static void Apply(JsonObject spec, string path)
    {
        // Always is the pod default; a Job whose template omits restartPolicy is therefore rejected, as on a real cluster.
        SetIfAbsent(spec, "restartPolicy", "Always");
        SetIfAbsent(spec, "terminationGracePeriodSeconds", 30);
        SetIfAbsent(spec, "dnsPolicy", "ClusterFirst");
        SetIfAbsent(spec, "securityContext", new JsonObject());
        SetIfAbsent(spec, "schedulerName", "default-scheduler");
        foreach (var property in new[] { "containers", "initContainers" })
        {
            foreach (var container in TypedReader.Objects(spec, property, $"{path}.{property}"))
            {
                SetIfAbsent(container, "terminationMessagePath", "/dev/termination-log");
                SetIfAbsent(container, "terminationMessagePolicy", "File");
                SetIfAbsent(container, "resources", new JsonObject());
                var image = KubeJson.String(container["image"]) ?? "";
                SetIfAbsent(container, "imagePullPolicy", PullPolicy(image));
            }
        }

        foreach (var volume in TypedReader.Objects(spec, "volumes", $"{path}.volumes"))
        {
            foreach (var source in new[] { "secret", "configMap" })
            {
                if (volume[source] is JsonObject body)
                {
                    SetIfAbsent(body, "defaultMode", 420);
                }
            }
        }
    }

    /// <summary>Always for untagged or :latest images, IfNotPresent otherwise (Kubernetes' rule).</summary>
    private static string PullPolicy(string image)
    {
        if (image.Contains('@'))
        {
            return "IfNotPresent";
        }

        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var tagAt = lastSegment.LastIndexOf(':');
        return tagAt < 0 || lastSegment[(tagAt + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    private static void SetIfAbsent(JsonObject target, string property, JsonNode value)
    {
        if (target[property] is null)
        {
            target[property] = value;
        }
    }
}
