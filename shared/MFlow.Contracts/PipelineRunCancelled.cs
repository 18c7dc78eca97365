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
}
