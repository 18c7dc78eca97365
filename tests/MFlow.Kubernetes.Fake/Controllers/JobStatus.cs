using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>How the Job controller writes a Job's status: counts, conditions, and when a Job is finished.</summary>
internal static class JobStatus
{
    public static void SetCounts(JsonObject status, JobState state, List<JsonObject> active, int terminating = 0)
    {
        SetOrRemove(status, "active", active.Count);
        status["ready"] = active.Count(IsReady);
        SetOrRemove(status, "succeeded", state.Succeeded);
        SetOrRemove(status, "failed", state.Failed);
        status["terminating"] = terminating;
        status["uncountedTerminatedPods"] = new JsonObject();
    }

    private static void SetOrRemove(JsonObject status, string field, int count)
    {
        if (count > 0)
        {
            status[field] = count;
        }
        else
        {
            status.Remove(field);
        }
    }

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? [])
            .Any(condition => KubeJson.String(condition?["type"]) == "Ready" && KubeJson.String(condition?["status"]) == "True");

    public static bool IsFinished(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray ?? [])
            .Any(condition => KubeJson.String(condition?["type"]) is "Complete" or "Failed" && KubeJson.String(condition?["status"]) == "True");

    /// <summary>The SuccessCriteriaMet or FailureTarget condition of a Job decided but not yet finished; null otherwise.</summary>
    public static JsonObject? Interim(JsonObject job) =>
        IsFinished(job)
            ? null
            : (job["status"]?["conditions"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .FirstOrDefault(condition => KubeJson.String(condition["type"]) is "SuccessCriteriaMet" or "FailureTarget" && KubeJson.String(condition["status"]) == "True");

    public static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = now,
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };
}
