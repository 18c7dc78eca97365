using MFlow.Contracts;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Execution;

/// <summary>The values of the system variables for a task: every executor injects exactly these.</summary>
public static class SystemVariableValues
{
    /// <summary>Deploy params that also surface as system variables (mflow's _DEPLOY_ID, _WORKLOAD_KIND, ...).</summary>
    public static readonly IReadOnlyDictionary<string, string> FromDeployParams = new Dictionary<string, string>
    {
        ["DEPLOY_ID"] = SystemVariables.DeployId,
        ["SERVICE_NAME"] = SystemVariables.ServiceName,
        ["WORKLOAD_KIND"] = SystemVariables.WorkloadKind,
        ["WORKLOAD_NAME"] = SystemVariables.WorkloadName,
    };

    /// <summary>
    /// The system variables of a task, except the update token (which executors deliver from a
    /// secret store, never as a plain value). TRACEPARENT is the span current while the task's Job
    /// (or process) is created, so the task's own tooling can join its run's trace.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(RunTaskCommand command, string outputFile, string? apiUrl = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SystemVariables.PipelineTaskId] = command.RunId.ToString(),
            [SystemVariables.JobTaskId] = command.TaskId.ToString(),
            [SystemVariables.JobTaskAttempt] = command.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SystemVariables.JobId] = command.JobName,
            [SystemVariables.OutputFile] = outputFile,
        };
        if (MFlowTelemetry.CurrentTraceParent is { } traceParent)
            values[SystemVariables.TraceParent] = traceParent;
        if (!string.IsNullOrWhiteSpace(apiUrl))
            values[SystemVariables.ApiUrl] = apiUrl.TrimEnd('/');
        foreach (var (param, variable) in FromDeployParams)
        {
            if (command.Params.TryGetValue(param, out var value))
                values[variable] = value;
        }

        return values;
    }
}
