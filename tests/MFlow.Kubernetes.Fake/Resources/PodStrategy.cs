using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>v1 Pods: defaulting and validation of the spec; status belongs to the (simulated) kubelet.</summary>
internal sealed class PodStrategy : ResourceStrategy
{
    protected override bool HasStatus => true;

    public override void PrepareForCreate(JsonObject pod)
    {
        var spec = Child(pod, "spec", "spec");
        PodSpecDefaults.Apply(spec, "spec");
        Default(spec, "serviceAccountName", "default");
        Default(spec, "enableServiceLinks", true);
        Default(spec, "priority", 0);
        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(spec) };
    }

    protected override void ValidateObject(JsonObject pod, List<FieldError> errors)
    {
        var spec = TypedReader.Object(pod, "spec", "spec");
        PodSpecValidator.Validate(spec, "spec", errors);
        var restartPolicy = TypedReader.String(spec, "restartPolicy", "spec.restartPolicy") ?? "";
        if (restartPolicy is not ("Always" or "OnFailure" or "Never"))
        {
            errors.Add(FieldError.NotSupported("spec.restartPolicy", restartPolicy, "Always", "OnFailure", "Never"));
        }
    }

    public override void ValidateUpdate(JsonObject updated, JsonObject current, List<FieldError> errors)
    {
        Validate(updated, errors);
        if (!JsonNode.DeepEquals(WithoutImages(updated["spec"]), WithoutImages(current["spec"])))
        {
            errors.Add(FieldError.Forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
        }
    }

    /// <summary>BestEffort without any request or limit, Burstable otherwise (the fake does not compute Guaranteed).</summary>
    private static string QosClass(JsonObject spec)
    {
        var containers = KubeJson.GetOrAddArray(spec, "containers").OfType<JsonObject>();
        return containers.Any(container => container["resources"] is JsonObject { Count: > 0 }) ? "Burstable" : "BestEffort";
    }

    private static JsonNode? WithoutImages(JsonNode? spec)
    {
        if (spec?.DeepClone() is not JsonObject copy)
        {
            return spec;
        }

        foreach (var property in new[] { "containers", "initContainers" })
        {
            if (copy[property] is JsonArray containers)
            {
                foreach (var container in containers.OfType<JsonObject>())
                {
                    container.Remove("image");
                }
            }
        }

        return copy;
    }
}
