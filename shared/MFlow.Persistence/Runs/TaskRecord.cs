using System.Text.Json.Serialization;
using MFlow.Contracts;

namespace MFlow.Persistence.Runs;

/// <summary>A task of a run: its plan facts and its latest attempt's last update applied (by sequence).</summary>
public sealed class TaskRecord
{
    /// <summary>The task id.</summary>
    public Guid TaskId { get; set; }

    /// <summary>The task's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The task's kind.</summary>
    public JobKind Kind { get; set; }

    /// <summary>Where the task's Job runs, once the plan is known.</summary>
    public KubernetesTarget Target { get; set; } = new();

    /// <summary>The task's stage, once the plan is known.</summary>
    public int StageIndex { get; set; } = -1;

    /// <summary>The attempt of the last applied update.</summary>
    public int Attempt { get; set; }

    /// <summary>The sequence of the last applied update; 0 when none has arrived.</summary>
    public long Sequence { get; set; }

    /// <summary>The task's state; null until a worker reported it.</summary>
    public TaskState? State { get; set; }

    /// <summary>When it started running.</summary>
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>When the last applied update was observed.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>The main container's exit code.</summary>
    public int? ExitCode { get; set; }

    /// <summary>A short machine-readable reason.</summary>
    public string? Reason { get; set; }

    /// <summary>What a person should read.</summary>
    public string? Message { get; set; }

    /// <summary>The last lines of its output.</summary>
    public string? LogTail { get; set; }

    /// <summary>Its named outputs.</summary>
    public Dictionary<string, string> Outputs { get; set; } = [];

    /// <summary>The worker that reported last.</summary>
    public string? Worker { get; set; }

    /// <summary>True once a CancelTask was published for the current attempt.</summary>
    public bool CancelSent { get; set; }

    /// <summary>True in a terminal state.</summary>
    [JsonIgnore]
    public bool IsTerminal => State?.IsTerminal() == true;
}
