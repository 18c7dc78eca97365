namespace MFlow.Contracts;

/// <summary>The run was cancelled and none of its tasks is running any more.</summary>
public sealed record PipelineRunCancelled
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>Why it was cancelled.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Who cancelled it.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>When the last of its tasks stopped.</summary>
    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>When the run started, if it had.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The key the run was requested with, if any (null from publishers older than this field).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Who asked for the run.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused the run.</summary>
    public string? Trigger { get; init; }

    /// <summary>How long the run took, from its start to its end.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Where a person reads the run: <c>MFlow:Api:PublicUrl</c> plus the run's path; null when no public URL is configured.</summary>
    public string? RunUrl { get; init; }
}
