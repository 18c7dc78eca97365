using k8s.Models;
using MFlow.Contracts;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// The one function that turns a Job and its latest pod into a task state. Job conditions decide
/// the end (Complete; Failed with BackoffLimitExceeded or DeadlineExceeded); the pod says whether it
/// runs or waits, and why (ImagePullBackOff, ...), and holds the exit code and termination message.
/// </summary>
public static class TaskStatusMapper
{
    /// <summary>Waiting reasons worth showing a person while a task waits.</summary>
    static readonly HashSet<string> NotableWaitingReasons =
    [
        "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError",
    ];

    /// <summary>Maps a Job and its latest pod (null when none was seen).</summary>
    public static ObservedTask Map(V1Job job, V1Pod? pod)
    {
        var status = job.Status ?? new V1JobStatus();
        var main = MainContainerStatus(job, pod);
        var terminated = main?.State?.Terminated ?? main?.LastState?.Terminated;
        var startedAt = Utc(pod?.Status?.StartTime ?? status.StartTime);

        if (DecidedOutcome(job) is { } decided)
        {
            // Failed by the tracker (its pod could not start): that is the outcome, whatever the Job
            // controller later writes when it stops the pod (DeadlineExceeded); the pod never ran, no log.
            return new ObservedTask(
                TaskState.Failed, decided.Reason, decided.Message, null, startedAt,
                Utc(Condition(job, "Failed")?.LastTransitionTime) ?? DateTimeOffset.UtcNow, null, PodSettled: true, PodName: null);
        }

        if (Condition(job, "Complete") is { } complete)
        {
            // A pod not seen yet is not a pod without a final state: the pod watch may lag the Job
            // watch, and the exit code, log and outputs are the pod's. The tracker waits a grace period.
            return new ObservedTask(
                TaskState.Succeeded, null, "Completed.", terminated?.ExitCode ?? 0, startedAt,
                Utc(status.CompletionTime ?? complete.LastTransitionTime),
                terminated?.Message, PodSettled: terminated is not null, pod?.Metadata.Name);
        }

        if (Condition(job, "Failed") is { } failed)
        {
            var message = failed.Reason switch
            {
                "BackoffLimitExceeded" => $"The Job's pod failed {status.Failed ?? 0} times; its retry budget (backoffLimit {job.Spec?.BackoffLimit ?? 0}) is spent"
                    + (terminated is not null ? $"; the last try exited with code {terminated.ExitCode}." : "."),
                "DeadlineExceeded" => $"The task ran longer than its {job.Spec?.ActiveDeadlineSeconds ?? 0} s deadline.",
                PodFailurePolicies.PodFailurePolicyReason => $"The main container exited with code {terminated?.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, which its job names as non-retryable: the Job failed at once ({failed.Message}).",
                _ => failed.Message ?? "The Job failed.",
            };
            // A deadline kills the pod: its container may never show a final state; do not wait for one.
            var settled = terminated is not null || failed.Reason == "DeadlineExceeded";
            var reason = failed.Reason == PodFailurePolicies.PodFailurePolicyReason ? TaskFailureReasons.NonRetryableExitCode : failed.Reason ?? "Failed";
            return new ObservedTask(
                TaskState.Failed, reason, message, terminated?.ExitCode, startedAt,
                Utc(failed.LastTransitionTime) ?? DateTimeOffset.UtcNow, terminated?.Message, settled, pod?.Metadata.Name);
        }

        var waiting = WaitingReason(pod) is { } seen && !WaitsForOwnObject(job.Metadata?.Name, seen) ? seen : null;
        if (waiting is { } wait && NotableWaitingReasons.Contains(wait.Reason ?? ""))
            return new ObservedTask(TaskState.Pending, wait.Reason, wait.Message ?? wait.Reason, null, startedAt, null, null, true, pod?.Metadata.Name);

        // A pod that ended while its Job has not decided yet (a retry may follow) still counts as running.
        if (pod?.Status?.Phase is "Running" or "Succeeded" or "Failed" || (pod is null && (status.Ready ?? 0) > 0))
            return new ObservedTask(TaskState.Running, null, null, null, startedAt, null, null, true, pod?.Metadata.Name);

        return new ObservedTask(TaskState.Pending, waiting?.Reason, waiting?.Message, null, startedAt, null, null, true, pod?.Metadata.Name);
    }

    /// <summary>
    /// A waiting state of the pod's containers that will not recover by itself: its reason, what a
    /// person reads, and whether it fails the task at once (a malformed image name, a missing Secret
    /// or ConfigMap key) or only once it lasted the image pull grace period (a pull can fail while a
    /// registry is briefly down). Null while the pod is not stuck.
    /// </summary>
    public static (string Reason, string Message, bool AtOnce)? Stuck(V1Pod? pod)
    {
        if (pod?.Status?.Phase is not ("Pending" or "Running") || pod.Metadata?.DeletionTimestamp is not null)
            return null;
        var waiting = pod.Status.InitContainerStatuses?.Concat(pod.Status.ContainerStatuses ?? []) ?? pod.Status.ContainerStatuses ?? [];
        foreach (var container in waiting)
        {
            if (container.State?.Waiting is not { Reason: { } reason } wait || WaitsForOwnObject(JobNameOf(pod), wait))
                continue;
            // A Secret, ConfigMap or key the task names may be on its way (someone creating it now): like
            // a pull failure it gets the grace period; only a bad image name cannot recover. The task's
            // own are not waited on at all (skipped above): created right after its Job, they come with
            // the command's next delivery if the worker died (or the broker went away) between the two,
            // however long that takes.
            var atOnce = reason is TaskFailureReasons.InvalidImageName;
            if (atOnce || reason is TaskFailureReasons.ImagePullBackOff or TaskFailureReasons.ErrImagePull or TaskFailureReasons.CreateContainerConfigError)
                return (reason, $"Container {container.Name}: {reason}{(string.IsNullOrEmpty(wait.Message) ? "" : ": " + wait.Message)}", atOnce);
        }

        return null;
    }

    /// <summary>True once the Job has its verdict (Complete or Failed, or the tracker's) or is being deleted: it no longer counts against MFlow:Kubernetes:MaxRunningJobs.</summary>
    public static bool HasEnded(V1Job job) =>
        job.Metadata?.DeletionTimestamp is not null || Condition(job, "Complete") is not null || Condition(job, "Failed") is not null || DecidedOutcome(job) is not null;

    /// <summary>The outcome the tracker decided and reported for the Job's attempt (see <see cref="TaskLabels.FailedReason"/>), or null.</summary>
    public static (string Reason, string Message)? DecidedOutcome(V1Job job) =>
        job.Metadata?.Annotations is { } annotations && annotations.TryGetValue(TaskLabels.FailedReason, out var reason) && reason.Length > 0
            ? (reason, annotations.TryGetValue(TaskLabels.FailedMessage, out var message) ? message : reason)
            : null;

    static V1JobCondition? Condition(V1Job job, string type) =>
        job.Status?.Conditions?.FirstOrDefault(c => c.Type == type && string.Equals(c.Status, "True", StringComparison.OrdinalIgnoreCase));

    static V1ContainerStatus? MainContainerStatus(V1Job job, V1Pod? pod)
    {
        var mainName = job.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Name;
        return pod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == mainName) ?? pod?.Status?.ContainerStatuses?.FirstOrDefault();
    }

    /// <summary>
    /// True when a container waits for the task's own Secret or ConfigMap (named as its Job), which the
    /// executor creates right after the Job: a pod that gets there first waits, which is not the task's
    /// to show or to fail for. The kubelet's message names the missing object (<c>secrets "name" not found</c>).
    /// </summary>
    static bool WaitsForOwnObject(string? jobName, V1ContainerStateWaiting wait) =>
        wait.Reason == TaskFailureReasons.CreateContainerConfigError && jobName is { Length: > 0 }
        && wait.Message?.Contains($"\"{jobName}\" not found", StringComparison.Ordinal) == true;

    /// <summary>The Job a pod belongs to, from the label its Job controller sets.</summary>
    public static string? JobNameOf(V1Pod pod) =>
        pod.Metadata?.Labels is { } labels && (labels.TryGetValue("batch.kubernetes.io/job-name", out var name) || labels.TryGetValue("job-name", out name)) ? name : null;

    static V1ContainerStateWaiting? WaitingReason(V1Pod? pod) =>
        pod?.Status?.InitContainerStatuses?.Select(c => c.State?.Waiting).FirstOrDefault(w => w?.Reason is not null and not "PodInitializing")
        ?? pod?.Status?.ContainerStatuses?.Select(c => c.State?.Waiting).FirstOrDefault(w => w?.Reason is not null and not "ContainerCreating" and not "PodInitializing");

    // The client reads times as UTC DateTimes; a task's times travel as DateTimeOffsets.
    internal static DateTimeOffset? Utc(DateTime? time) => time switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime()),
        { } t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
    };
}
