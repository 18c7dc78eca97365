using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Store;

namespace MFlow.Kubernetes.Fake.Controllers;

/// <summary>
/// The simulated node: it moves pods through Pending, Running and Succeeded/Failed and keeps their logs.
/// Each write returns the revision it produced, so a caller can wait for the Job controller to react.
/// </summary>
internal sealed class Kubelet(ObjectStore store, ResourceRegistry registry, PodLogs logs)
{
    public const string NodeName = "fake-node";
    private const string HostIp = "10.0.0.10";
    private int _nextPodIp;

    /// <summary>The status of a pod just bound to the node: containers creating.</summary>
    public static JsonObject PendingStatus(JsonObject spec, string qosClass)
    {
        var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
        var hasInit = spec["initContainers"] is JsonArray { Count: > 0 };
        return new JsonObject
        {
            ["phase"] = "Pending",
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", "False", now),
                Condition("Initialized", hasInit ? "False" : "True", now, hasInit ? "ContainersNotInitialized" : null),
                Condition("Ready", "False", now, "ContainersNotReady"),
                Condition("ContainersReady", "False", now, "ContainersNotReady"),
                Condition("PodScheduled", "True", now)),
            ["hostIP"] = HostIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = HostIp }),
            ["startTime"] = now,
            ["initContainerStatuses"] = Statuses(spec, "initContainers", _ => Waiting("PodInitializing", ""), ready: false, started: false),
            ["containerStatuses"] = Statuses(spec, "containers", _ => Waiting(hasInit ? "PodInitializing" : "ContainerCreating", ""), ready: false, started: false),
            ["qosClass"] = qosClass,
        };
    }

    public long SetWaiting(string @namespace, string pod, string reason, string message) =>
        UpdateStatus(@namespace, pod, (spec, status) =>
        {
            status["containerStatuses"] = Statuses(spec, "containers", _ => Waiting(reason, message), ready: false, started: false);
            SetConditions(status, ready: false, KubeJson.Timestamp(DateTimeOffset.UtcNow), "ContainersNotReady");
        });

    /// <summary>
    /// Shows why the pod cannot start: the containers whose config cannot be built wait with
    /// CreateContainerConfigError (init containers before them completed, the others still creating);
    /// a volume that cannot be mounted keeps every container creating, as a freshly bound pod's.
    /// </summary>
    public long SetConfigProblem(string @namespace, string pod, PodConfigProblem problem) =>
        UpdateStatus(@namespace, pod, (spec, status) =>
        {
            var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
            var initBlocked = ContainerNames(spec, "initContainers").Any(problem.ContainerErrors.ContainsKey);
            var hasInit = spec["initContainers"] is JsonArray { Count: > 0 };
            status["initContainerStatuses"] = Statuses(
                spec,
                "initContainers",
                name => problem.ContainerErrors.TryGetValue(name, out var message) ? Waiting("CreateContainerConfigError", message)
                    : problem.ContainerErrors.Count > 0 && !initBlocked ? Terminated(0, "Completed", null, now, now)
                    : Waiting("PodInitializing", ""),
                ready: false,
                started: false);
            status["containerStatuses"] = Statuses(
                spec,
                "containers",
                name => problem.ContainerErrors.TryGetValue(name, out var message) && !initBlocked ? Waiting("CreateContainerConfigError", message)
                    : Waiting(hasInit && (initBlocked || problem.IsMountFailure) ? "PodInitializing" : "ContainerCreating", ""),
                ready: false,
                started: false);
        });

    /// <summary>Back to a bound pod's containers creating, once what kept it from starting exists.</summary>
    public long ClearConfigProblem(string @namespace, string pod) =>
        UpdateStatus(@namespace, pod, (spec, status) =>
        {
            var fresh = PendingStatus(spec, KubeJson.String(status["qosClass"]) ?? "BestEffort");
            status["initContainerStatuses"] = fresh["initContainerStatuses"]!.DeepClone();
            status["containerStatuses"] = fresh["containerStatuses"]!.DeepClone();
        });

    public long SetRunning(string @namespace, string pod)
    {
        var podIp = $"10.244.0.{(Interlocked.Increment(ref _nextPodIp) % 250) + 2}";
        return UpdateStatus(@namespace, pod, (spec, status) =>
        {
            var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
            status["phase"] = "Running";
            status["podIP"] = podIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
            status["initContainerStatuses"] = Statuses(spec, "initContainers", _ => Terminated(0, "Completed", null, now, now), ready: true, started: false);
            status["containerStatuses"] = Statuses(spec, "containers", _ => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } }, ready: true, started: true);
            SetConditions(status, ready: true, now, null);
        });
    }

    /// <summary>Terminates the pod: the main (first) container exits with <paramref name="exitCode"/>, the others with 0.</summary>
    public long Complete(string @namespace, string pod, int exitCode, string log, string? terminationMessage)
    {
        var revision = UpdateStatus(@namespace, pod, (spec, status) =>
        {
            var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
            var startedAt = KubeJson.String(status["containerStatuses"]?[0]?["state"]?["running"]?["startedAt"]) ?? now;
            var main = MainContainer(spec);
            status["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
            status["initContainerStatuses"] = Statuses(spec, "initContainers", _ => Terminated(0, "Completed", null, startedAt, startedAt), ready: true, started: false);
            status["containerStatuses"] = Statuses(
                spec,
                "containers",
                name => name == main
                    ? Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", terminationMessage, startedAt, now)
                    : Terminated(0, "Completed", null, startedAt, now),
                ready: false,
                started: false);
            SetConditions(status, ready: false, now, exitCode == 0 ? "PodCompleted" : "PodFailed");
        });

        var obj = store.Get(registry.Pods, @namespace, pod);
        if (obj?["spec"] is JsonObject podSpec)
        {
            logs.Append(@namespace, pod, MainContainer(podSpec), log);
            foreach (var container in ContainerNames(podSpec))
            {
                logs.Close(@namespace, pod, container);
            }
        }

        return revision;
    }

    /// <summary>
    /// Stops a deleted pod's containers: SIGTERM, then SIGKILL once the grace period is over (exit 137,
    /// reason Error), and the pod's phase becomes Failed, as the kubelet reports a pod it killed.
    /// </summary>
    public long Kill(string @namespace, string pod)
    {
        var revision = UpdateStatus(@namespace, pod, (spec, status) =>
        {
            var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
            status["phase"] = "Failed";
            status["containerStatuses"] = Statuses(
                spec,
                "containers",
                name =>
                {
                    var startedAt = (status["containerStatuses"] as JsonArray ?? [])
                        .Where(existing => KubeJson.String(existing?["name"]) == name)
                        .Select(existing => KubeJson.String(existing?["state"]?["running"]?["startedAt"]))
                        .FirstOrDefault() ?? now;
                    return Terminated(137, "Error", null, startedAt, now);
                },
                ready: false,
                started: false);
            SetConditions(status, ready: false, now, "PodFailed");
        });

        if (store.Get(registry.Pods, @namespace, pod)?["spec"] is JsonObject podSpec)
        {
            foreach (var container in ContainerNames(podSpec))
            {
                logs.Close(@namespace, pod, container);
            }
        }

        return revision;
    }

    /// <summary>
    /// Evicts the pod as the kubelet does under node pressure: its containers are killed (exit 137), the
    /// pod fails with reason Evicted and gets the DisruptionTarget condition (reason TerminationByKubelet),
    /// which a Job's podFailurePolicy can match.
    /// </summary>
    public long Evict(string @namespace, string pod, string message)
    {
        var revision = UpdateStatus(@namespace, pod, (spec, status) =>
        {
            var now = KubeJson.Timestamp(DateTimeOffset.UtcNow);
            status["phase"] = "Failed";
            status["reason"] = "Evicted";
            status["message"] = message;
            status["containerStatuses"] = Statuses(spec, "containers", _ => Terminated(137, "ContainerStatusUnknown", null, now, now), ready: false, started: false);
            SetConditions(status, ready: false, now, "PodFailed");
            var disruption = Condition("DisruptionTarget", "True", now, "TerminationByKubelet");
            disruption["message"] = message;
            ((JsonArray)status["conditions"]!).Insert(0, disruption);
        });

        if (store.Get(registry.Pods, @namespace, pod)?["spec"] is JsonObject podSpec)
        {
            foreach (var container in ContainerNames(podSpec))
            {
                logs.Close(@namespace, pod, container);
            }
        }

        return revision;
    }

    public void AppendLog(string @namespace, string pod, string? container, string text)
    {
        var obj = store.Get(registry.Pods, @namespace, pod) ?? throw ApiErrors.NotFound(registry.Pods, pod);
        var spec = obj["spec"] as JsonObject ?? [];
        var target = container ?? MainContainer(spec);
        if (!ContainerNames(spec).Contains(target))
        {
            throw new ArgumentException($"Pod {@namespace}/{pod} has no container \"{target}\".", nameof(container));
        }

        logs.Append(@namespace, pod, target, text);
    }

    public static bool IsTerminal(JsonObject pod) => KubeJson.String(pod["status"]?["phase"]) is "Succeeded" or "Failed";

    private long UpdateStatus(string @namespace, string pod, Action<JsonObject, JsonObject> change)
    {
        var updated = store.Update(registry.Pods, @namespace, pod, current =>
        {
            if (IsTerminal(current))
            {
                throw new InvalidOperationException($"Pod {@namespace}/{pod} has already terminated ({current["status"]?["phase"]}).");
            }

            var spec = current["spec"] as JsonObject ?? [];
            var status = current["status"] as JsonObject ?? [];
            current["status"] = status;
            change(spec, status);
            return current;
        });
        return long.Parse(KubeJson.ResourceVersion(updated)!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string MainContainer(JsonObject spec) => KubeJson.String(spec["containers"]?[0]?["name"]) ?? "";

    private static IEnumerable<string> ContainerNames(JsonObject spec, params string[] properties) =>
        (properties.Length == 0 ? ["initContainers", "containers"] : properties)
            .SelectMany(property => spec[property] as JsonArray ?? [])
            .Select(container => KubeJson.String(container?["name"]) ?? "");

    private static JsonArray Statuses(JsonObject spec, string property, Func<string, JsonObject> state, bool ready, bool started)
    {
        var statuses = new JsonArray();
        foreach (var container in spec[property] as JsonArray ?? [])
        {
            var name = KubeJson.String(container?["name"]) ?? "";
            var image = KubeJson.String(container?["image"]) ?? "";
            var running = state(name);
            var hasRun = running["waiting"] is null;
            statuses.Add(new JsonObject
            {
                ["name"] = name,
                ["state"] = running,
                ["lastState"] = new JsonObject(),
                ["ready"] = ready,
                ["restartCount"] = 0,
                ["image"] = image,
                ["imageID"] = hasRun ? $"{image}@sha256:{new string('0', 64)}" : "",
                ["containerID"] = hasRun ? $"containerd://{name}-{Guid.NewGuid():N}" : null,
                ["started"] = started,
            });
        }

        return statuses;
    }

    private static JsonObject Waiting(string reason, string message)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message.Length > 0)
        {
            waiting["message"] = message;
        }

        return new JsonObject { ["waiting"] = waiting };
    }

    private static JsonObject Terminated(int exitCode, string reason, string? message, string startedAt, string finishedAt)
    {
        var terminated = new JsonObject { ["exitCode"] = exitCode, ["reason"] = reason };
        if (!string.IsNullOrEmpty(message))
        {
            terminated["message"] = message;
        }

        terminated["startedAt"] = startedAt;
        terminated["finishedAt"] = finishedAt;
        return new JsonObject { ["terminated"] = terminated };
    }

    private static void SetConditions(JsonObject status, bool ready, string now, string? reason)
    {
        var value = ready ? "True" : "False";
        status["conditions"] = new JsonArray(
            Condition("PodReadyToStartContainers", value, now),
            Condition("Initialized", "True", now),
            Condition("Ready", value, now, reason),
            Condition("ContainersReady", value, now, reason),
            Condition("PodScheduled", "True", now));
    }

    private static JsonObject Condition(string type, string status, string now, string? reason = null)
    {
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = now,
        };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        return condition;
    }
}
