using MFlow.Contracts;

namespace MFlow.Execution;

/// <summary>A worker's settings, bound from "MFlow:Worker".</summary>
public sealed class WorkerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Worker";

    /// <summary>"local" (host processes) or "kubernetes" (Jobs).</summary>
    public string Executor { get; set; } = "local";

    /// <summary>How many tasks one worker instance runs at once with the local executor.</summary>
    public int MaxConcurrentTasks { get; set; } = 8;

    /// <summary>Where the local executor makes each task's fresh working directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Environment variables of the worker a local task inherits (nothing else leaks in, notably no credentials).</summary>
    public List<string> InheritEnvironment { get; set; } = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR"];

    /// <summary>This instance's name in reports; defaults to the host name and process id.</summary>
    public string? InstanceId { get; set; }

    /// <summary>The MFlow API's URL as tasks reach it, given to them as _MFLOW_API_URL for writing outputs back.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>How many of a task's last output lines go into its TaskUpdated.</summary>
    public int LogTailLines { get; set; } = 20;
}

/// <summary>The job kinds a process hosts workers for.</summary>
public sealed record HostedKinds(IReadOnlySet<JobKind> Kinds);
