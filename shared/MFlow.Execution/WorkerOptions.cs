using System.ComponentModel.DataAnnotations;
using MFlow.Contracts;

namespace MFlow.Execution;

/// <summary>A worker's settings, bound from "MFlow:Worker".</summary>
public sealed class WorkerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Worker";

    /// <summary>"local" (host processes) or "kubernetes" (Jobs).</summary>
    [RegularExpression("(?i)^(local|kubernetes)$", ErrorMessage = "MFlow:Worker:Executor must be local or kubernetes.")]
    public string Executor { get; set; } = "local";

    /// <summary>How many tasks one worker instance runs at once with the local executor.</summary>
    [Range(1, 1000, ErrorMessage = "MFlow:Worker:MaxConcurrentTasks must be between {1} and {2}.")]
    public int MaxConcurrentTasks { get; set; } = 8;

    /// <summary>Where the local executor makes each task's fresh working directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Environment variables of the worker a local task inherits (nothing else leaks in, notably no credentials).</summary>
    public List<string> InheritEnvironment { get; set; } = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR"];

    /// <summary>This instance's name in reports; defaults to the host name and process id.</summary>
    public string? InstanceId { get; set; }

    /// <summary>The MFlow API's URL as tasks reach it, given to them as _MFLOW_API_URL for writing outputs back.</summary>
    [Url(ErrorMessage = "MFlow:Worker:ApiUrl must be an http:// or https:// URL.")]
    public string? ApiUrl { get; set; }

    /// <summary>How many of a task's last output lines go into its TaskUpdated.</summary>
    [Range(0, 10_000, ErrorMessage = "MFlow:Worker:LogTailLines must be between {1} and {2}.")]
    public int LogTailLines { get; set; } = 20;
}

/// <summary>The job kinds a process hosts workers for.</summary>
public sealed record HostedKinds(IReadOnlySet<JobKind> Kinds);
