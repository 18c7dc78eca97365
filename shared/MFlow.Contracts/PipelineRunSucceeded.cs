namespace MFlow.Contracts;

/// <summary>Every stage of the run succeeded.</summary>
public sealed record PipelineRunSucceeded
{
    /// <summary>The run.</summary>
    public Guid RunId { get; init; }

    /// <summary>The pipeline's name.</summary>
    public string PipelineName { get; init; } = "";

    /// <summary>When the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When its last task ended.</summary>
    public DateTimeOffset CompletedAt { get; init; }
}
