namespace MFlow.Contracts;

/// <summary>A run was accepted and its first stage dispatched. Carries the run's whole plan.</summary>
public sealed record PipelineRunStarted
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>The key the run was requested with, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Who asked.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused it.</summary>
    public string? Trigger { get; init; }

    /// <summary>Normal or rollback.</summary>
    public RunMode Mode { get; init; }

    /// <summary>When the run was accepted.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<PlannedStage> Stages { get; init; } = [];

    /// <summary>Where a person reads the run: <c>MFlow:Api:PublicUrl</c> plus the run's path; null when no public URL is configured.</summary>
    public string? RunUrl { get; init; }
}
