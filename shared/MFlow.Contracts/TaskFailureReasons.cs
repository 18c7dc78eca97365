namespace MFlow.Contracts;

/// <summary>
/// Failure reasons (<see cref="TaskUpdated.Reason"/>) that another attempt cannot cure: a task that
/// failed with one of them is not retried by its <c>retries</c>. A resume still runs it again (the
/// person resuming may have fixed what was wrong).
/// </summary>
public static class TaskFailureReasons
{
    /// <summary>The main container exited with a code its job declares non-retryable.</summary>
    public const string NonRetryableExitCode = "NonRetryableExitCode";

    /// <summary>The image could not be pulled, and kept not being pulled past the grace period.</summary>
    public const string ImagePullBackOff = "ImagePullBackOff";

    /// <summary>The image could not be pulled.</summary>
    public const string ErrImagePull = "ErrImagePull";

    /// <summary>The container's configuration names something missing (a Secret or ConfigMap key).</summary>
    public const string CreateContainerConfigError = "CreateContainerConfigError";

    /// <summary>A volume of the pod names a Secret or ConfigMap (or a key of one) that does not exist, past the grace period: the pod cannot start.</summary>
    public const string FailedMount = "FailedMount";

    /// <summary>The image reference is not valid.</summary>
    public const string InvalidImageName = "InvalidImageName";

    /// <summary>The attempt ran past its deadline (timeoutSeconds): a retry would time out again.</summary>
    public const string DeadlineExceeded = "DeadlineExceeded";

    /// <summary>The run or stage ran past its timeout.</summary>
    public const string Timeout = "Timeout";

    /// <summary>The attempt was cancelled.</summary>
    public const string Cancelled = "Cancelled";

    /// <summary>A param refers to an output no earlier task wrote: the plan, not the attempt, is wrong.</summary>
    public const string MissingOutput = "MissingOutput";

    /// <summary>The registered cluster the task targets was deleted after its run was accepted: the task was not started.</summary>
    public const string ClusterNotRegistered = "ClusterNotRegistered";

    /// <summary>The reasons no retry is made for.</summary>
    public static IReadOnlySet<string> Permanent { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        NonRetryableExitCode, ImagePullBackOff, ErrImagePull, CreateContainerConfigError, FailedMount, InvalidImageName, DeadlineExceeded, Timeout, Cancelled, MissingOutput, ClusterNotRegistered,
    };

    /// <summary>True when a failure with this reason is not retried.</summary>
    public static bool IsPermanent(string? reason) => reason is not null && Permanent.Contains(reason);
}
