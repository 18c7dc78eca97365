namespace MFlow.Contracts;

/// <summary>
/// The system variables a worker injects into every task's environment. Their names start with
/// "_" (as in mflow), except the W3C <see cref="TraceParent"/>, and no param may override them.
/// </summary>
public static class SystemVariables
{
    /// <summary>The pipeline run the task belongs to.</summary>
    public const string PipelineTaskId = "_PIPELINE_TASK_ID";

    /// <summary>The task itself.</summary>
    public const string JobTaskId = "_JOB_TASK_ID";

    /// <summary>The attempt of the task being run (1 for the first).</summary>
    public const string JobTaskAttempt = "_JOB_TASK_ATTEMPT";

    /// <summary>The job the task runs: its definition's id, or its kind for an inline task.</summary>
    public const string JobId = "_JOB_ID";

    /// <summary>The token with which the running task writes its outputs back to MFlow.</summary>
    public const string UpdateToken = "_JOB_TASK_UPDATE_TOKEN";

    /// <summary>The deploy configuration a deploy task applies.</summary>
    public const string DeployId = "_DEPLOY_ID";

    /// <summary>The service a deploy task deploys.</summary>
    public const string ServiceName = "_SERVICE_NAME";

    /// <summary>The kind of workload a deploy task updates (Deployment, StatefulSet, DaemonSet).</summary>
    public const string WorkloadKind = "_WORKLOAD_KIND";

    /// <summary>The name of the workload a deploy task updates.</summary>
    public const string WorkloadName = "_WORKLOAD_NAME";

    /// <summary>The MFlow API the task writes its outputs back to (POST {url}/api/v1/tasks/{id}/outputs), when configured.</summary>
    public const string ApiUrl = "_MFLOW_API_URL";

    /// <summary>A file the task may write "NAME=value" lines to; each becomes one of its outputs.</summary>
    public const string OutputFile = "_OUTPUT_FILE";

    /// <summary>
    /// The task's place in its run's trace, as a W3C traceparent ("00-traceid-spanid-flags"): the
    /// name OpenTelemetry SDKs and tools read, so a task's own spans join the run's trace.
    /// </summary>
    public const string TraceParent = "TRACEPARENT";

    /// <summary>True for a name reserved for system variables.</summary>
    public static bool IsSystemVariable(string name) => name.StartsWith('_') || name == TraceParent;
}
