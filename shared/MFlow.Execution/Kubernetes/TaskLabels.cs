using k8s.Models;
using MFlow.Contracts;
using MFlow.Kubernetes.Naming;

namespace MFlow.Execution.Kubernetes;

/// <summary>The labels and annotations that tie a Job (and its pods, Secret, ConfigMap) to its run and task.</summary>
public static class TaskLabels
{
    /// <summary>The label every object MFlow creates carries.</summary>
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedBy"/>.</summary>
    public const string ManagedByValue = "mflow";

    /// <summary>The run the task belongs to.</summary>
    public const string RunId = "mflow.dev/run-id";

    /// <summary>The task.</summary>
    public const string TaskId = "mflow.dev/task-id";

    /// <summary>The job kind, which selects the worker that tracks it.</summary>
    public const string Kind = "mflow.dev/kind";

    /// <summary>The attempt.</summary>
    public const string Attempt = "mflow.dev/attempt";

    /// <summary>Annotation: the task's name.</summary>
    public const string TaskName = "mflow.dev/task-name";

    /// <summary>Annotation: the job (definition) the task runs.</summary>
    public const string JobName = "mflow.dev/job";

    /// <summary>Annotation: how the kind's builder built the Job (it reads the outputs back the same way).</summary>
    public const string BuildMode = "mflow.dev/build-mode";

    /// <summary>
    /// Annotation: the span the Job was created in (W3C traceparent, also the containers'
    /// TRACEPARENT), so whichever replica reports the Job's progress reports it in the run's trace.
    /// </summary>
    public const string TraceParent = "mflow.dev/traceparent";

    /// <summary>
    /// Annotation: the Secret whose values the tracker masks in the Job's log (set on a task with
    /// sensitive values: its params, a kubeconfig, its kind's credentials). A Job without it holds
    /// nothing to mask but its update token, refused once the task ended, and costs no extra read.
    /// </summary>
    public const string MaskedSecret = "mflow.dev/masked-secret";

    /// <summary>
    /// Annotation: the reason the tracker failed the attempt with when its pod could not start (with
    /// <see cref="FailedMessage"/>). The Job is then ended but kept, as the attempt's tombstone: a
    /// redelivered command adopts it instead of running the attempt again, and any replica that tracks
    /// it later reads the outcome already reported from it.
    /// </summary>
    public const string FailedReason = "mflow.dev/failed-reason";

    /// <summary>Annotation: the message that goes with <see cref="FailedReason"/>.</summary>
    public const string FailedMessage = "mflow.dev/failed-message";

    // What a tombstone keeps of a message (annotations share 256 KiB per object); the report has it whole.
    const int MaxFailedMessageLength = 2000;

    /// <summary>The annotations that make an ended Job its attempt's tombstone (<see cref="FailedReason"/>, <see cref="FailedMessage"/>).</summary>
    public static Dictionary<string, string> Tombstone(string reason, string message) => new()
    {
        [FailedReason] = reason,
        [FailedMessage] = Shortened(message),
    };

    // Cut at a character boundary: never between the two halves of a surrogate pair.
    static string Shortened(string message)
    {
        if (message.Length <= MaxFailedMessageLength)
            return message;
        var length = char.IsHighSurrogate(message[MaxFailedMessageLength - 1]) ? MaxFailedMessageLength - 1 : MaxFailedMessageLength;
        return message[..length] + "...";
    }

    /// <summary>Annotation a deploy task leaves on the workload it changed (mflow's task.mflow.../id).</summary>
    public const string WorkloadTaskAnnotation = "task.mflow.dev/id";

    /// <summary>The labels of a task's objects.</summary>
    public static Dictionary<string, string> For(RunTaskCommand command) => new()
    {
        [ManagedBy] = ManagedByValue,
        [RunId] = command.RunId.ToString(),
        [TaskId] = command.TaskId.ToString(),
        [Kind] = KindValue(command.Kind),
        [Attempt] = command.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The label value of a kind.</summary>
    public static string KindValue(JobKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Selects every object of one kind's tasks.</summary>
    public static string SelectorFor(JobKind kind) => $"{ManagedBy}={ManagedByValue},{Kind}={KindValue(kind)}";

    /// <summary>The task a Job runs, read back from its labels and annotations; null for a Job that is not a task's.</summary>
    public static Reporting.TaskRef? TaskOf(IMetadata<V1ObjectMeta> job)
    {
        var labels = job.Metadata.Labels;
        if (labels is null
            || !labels.TryGetValue(RunId, out var runId) || !Guid.TryParse(runId, out var run)
            || !labels.TryGetValue(TaskId, out var taskId) || !Guid.TryParse(taskId, out var task)
            || !labels.TryGetValue(Kind, out var kind) || !Enum.TryParse<JobKind>(kind, ignoreCase: true, out var jobKind)
            || !labels.TryGetValue(Attempt, out var attempt) || !int.TryParse(attempt, out var attemptNumber))
            return null;
        var annotations = job.Metadata.Annotations ?? new Dictionary<string, string>();
        var name = annotations.TryGetValue(TaskName, out var taskName) ? taskName : job.Metadata.Name ?? "";
        return new Reporting.TaskRef(run, task, name, jobKind, attemptNumber) { TraceParent = annotations.TryGetValue(TraceParent, out var traceParent) ? traceParent : null };
    }

    /// <summary>
    /// A task attempt's Job name: deterministic from the kind, task and attempt, so a redelivered
    /// command finds the Job it created before; a valid DNS-1123 label of at most 63 characters
    /// (the job-name label on its pods must fit), with the task's name in it for people.
    /// </summary>
    public static string JobNameFor(RunTaskCommand command) => JobNameFor(command.Kind, command.TaskId, command.Attempt, command.TaskName);

    /// <inheritdoc cref="JobNameFor(RunTaskCommand)"/>
    public static string JobNameFor(JobKind kind, Guid taskId, int attempt, string taskName)
    {
        var suffix = $"{taskId.ToString("N")[..10]}-{attempt}";
        var prefix = $"mflow-{KindValue(kind)}-";
        var room = 63 - prefix.Length - suffix.Length - 1;
        var readable = KubernetesNames.ToDns1123Label(taskName, Math.Max(1, room)).Trim('-');
        return readable.Length == 0 ? prefix + suffix : $"{prefix}{readable}-{suffix}";
    }
}
