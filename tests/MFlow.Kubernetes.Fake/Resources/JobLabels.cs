namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>The labels the Job registry and controller put on a Job's template and pods.</summary>
internal static class JobLabels
{
    public const string ControllerUid = "batch.kubernetes.io/controller-uid";
    public const string JobName = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUid = "controller-uid";
    public const string LegacyJobName = "job-name";
    public const string JobTrackingAnnotation = "batch.kubernetes.io/job-tracking";
}
