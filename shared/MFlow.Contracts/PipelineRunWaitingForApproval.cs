namespace MFlow.Contracts;

/// <summary>
/// A run waits at a stage's approval gate: nothing of that stage is dispatched until somebody it
/// names approves (<c>POST /api/v1/runs/{id}/approve</c>) or rejects it, or its timeout decides.
/// </summary>
public sealed record PipelineRunWaitingForApproval
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>Zero-based index of the stage that waits.</summary>
    public int StageIndex { get; init; }

    /// <summary>The stage's name.</summary>
    public string StageName { get; init; } = "";

    /// <summary>What the approvers are asked.</summary>
    public string? Message { get; init; }

    /// <summary>The lowest role that may decide; null when only <see cref="ApproverKeys"/> may.</summary>
    public string? ApproverRole { get; init; }

    /// <summary>The API keys (by name) that may decide.</summary>
    public IReadOnlyList<string> ApproverKeys { get; init; } = [];

    /// <summary>When the run started waiting.</summary>
    public DateTimeOffset WaitingSince { get; init; }

    /// <summary>When the timeout decides, if the stage has one.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>What the timeout decides: reject or approve (null without a timeout).</summary>
    public string? OnTimeout { get; init; }

    /// <summary>The key the run was requested with, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Who asked for the run.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused the run.</summary>
    public string? Trigger { get; init; }

    /// <summary>Where a person reads (and approves) the run: <c>MFlow:Api:PublicUrl</c> plus the run's path; null when no public URL is configured.</summary>
    public string? RunUrl { get; init; }
}
