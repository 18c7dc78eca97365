using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// Which rule of a Job's podFailurePolicy a failed pod matches, as the Job controller decides it: the
/// rules in order, the first match wins; an exit-code rule looks at every container's non-zero exit
/// code (init containers too), a condition rule at the pod's conditions; unknown actions are skipped.
/// </summary>
internal static class PodFailurePolicyMatch
{
    /// <summary>The matching rule's action (null: none matched, count the failure) and, for FailJob, the Job condition's message.</summary>
    public static (string? Action, string? Message) Match(JsonObject job, JsonObject pod)
    {
        var rules = job["spec"]?["podFailurePolicy"]?["rules"] as JsonArray ?? [];
        var podName = $"{KubeJson.Namespace(pod)}/{KubeJson.Name(pod)}";
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i] as JsonObject ?? [];
            var action = KubeJson.String(rule["action"]);
            if (action is not ("FailJob" or "Ignore" or "Count"))
            {
                continue;
            }

            if (rule["onExitCodes"] is JsonObject onExitCodes && MatchingExitCode(onExitCodes, pod) is { } exit)
            {
                return (action, $"Container {exit.Container} for pod {podName} failed with exit code {exit.Code} matching {action} rule at index {i}");
            }

            foreach (var pattern in (rule["onPodConditions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var type = KubeJson.String(pattern["type"]);
                var status = KubeJson.String(pattern["status"]) ?? "True";
                if ((pod["status"]?["conditions"] as JsonArray ?? []).Any(c => KubeJson.String(c?["type"]) == type && KubeJson.String(c?["status"]) == status))
                {
                    return (action, $"Pod {podName} has condition {type} matching {action} rule at index {i}");
                }
            }
        }

        return (null, null);
    }

    private static (string Container, long Code)? MatchingExitCode(JsonObject requirement, JsonObject pod)
    {
        var container = KubeJson.String(requirement["containerName"]);
        var notIn = KubeJson.String(requirement["operator"]) == "NotIn";
        var values = (requirement["values"] as JsonArray ?? []).Select(v => KubeJson.Integer(v) ?? 0).ToHashSet();
        var statuses = new[] { "containerStatuses", "initContainerStatuses" }.SelectMany(p => pod["status"]?[p] as JsonArray ?? []);
        foreach (var status in statuses)
        {
            var name = KubeJson.String(status?["name"]) ?? "";
            if ((container is not null && name != container) || KubeJson.Integer(status?["state"]?["terminated"]?["exitCode"]) is not { } code || code == 0)
            {
                continue;
            }

            if (values.Contains(code) != notIn)
            {
                return (name, code);
            }
        }

        return null;
    }
}
