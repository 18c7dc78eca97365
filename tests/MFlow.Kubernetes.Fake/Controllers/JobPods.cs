using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Resources;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>The pod the Job controller creates for one attempt of a Job, already bound to the fake node.</summary>
internal static class JobPods
{
    public static JsonObject NewPod(JsonObject job, ResourceRegistry registry)
    {
        var jobName = KubeJson.Name(job) ?? "";
        var template = job["spec"]?["template"] as JsonObject ?? [];
        var templateMetadata = template["metadata"] as JsonObject ?? [];
        var annotations = templateMetadata["annotations"]?.DeepClone() as JsonObject ?? [];
        annotations[JobLabels.JobTrackingAnnotation] = "";
        var spec = template["spec"]?.DeepClone() as JsonObject ?? [];
        spec["nodeName"] = Kubelet.NodeName;

        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = GeneratedNames.From(jobName + "-"),
                ["generateName"] = jobName + "-",
                ["namespace"] = KubeJson.Namespace(job) ?? "",
                ["uid"] = Guid.NewGuid().ToString(),
                ["creationTimestamp"] = KubeJson.Timestamp(DateTimeOffset.UtcNow),
                ["labels"] = templateMetadata["labels"]?.DeepClone() ?? new JsonObject(),
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = registry.Jobs.ApiVersion,
                    ["kind"] = registry.Jobs.Kind,
                    ["name"] = jobName,
                    ["uid"] = KubeJson.Uid(job),
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = spec,
        };

        // The same defaulting a pod created through the API gets, then the status of a freshly bound pod.
        registry.Pods.Strategy.PrepareForCreate(pod);
        pod["status"] = Kubelet.PendingStatus(spec, KubeJson.String(pod["status"]?["qosClass"]) ?? "BestEffort");
        return pod;
    }
}
