using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Runs;

/// <summary>A request to run a pipeline, however it arrived (HTTP or <see cref="StartPipeline"/>).</summary>
public sealed record RunRequest
{
    /// <summary>The pipeline to run.</summary>
    public required PipelineDocument Pipeline { get; init; }

    /// <summary>Run-time param values.</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Values a trigger offers (GIT_URL, GIT_COMMIT...): each reaches the tasks whose job declares it
    /// (or whose built-in kind reads it) and is dropped for the others, never refused for being
    /// undeclared. They take precedence over <see cref="Params"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> OfferedParams { get; init; } = new Dictionary<string, string>();

    /// <summary>Makes the request idempotent.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Who asks.</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused it.</summary>
    public string? Trigger { get; init; }

    /// <summary>Normal or rollback.</summary>
    public RunMode Mode { get; init; }

    /// <summary>The stored pipeline's exact unique name, when the run is of one.</summary>
    public string? PipelineReference { get; init; }
}
