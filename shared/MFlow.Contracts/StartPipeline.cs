namespace MFlow.Contracts;

/// <summary>
/// Start a pipeline run: the command an upstream system (a webhook relay, a release portal) sends.
/// Give either <see cref="PipelineName"/> (a stored pipeline) or <see cref="Pipeline"/> (an inline
/// document). The same <see cref="IdempotencyKey"/> twice starts one run; <see cref="PipelineRunStarted"/>
/// carries the key back so the sender can find its run.
/// </summary>
public sealed record StartPipeline
{
    /// <summary>
    /// Makes the request idempotent: every request with this key maps to the same run. When absent,
    /// the message id plays its part, so a redelivered message still starts one run.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>A stored pipeline's name (optionally with ":version"; "latest" when none).</summary>
    public string? PipelineName { get; init; }

    /// <summary>An inline pipeline document, YAML or JSON.</summary>
    public string? Pipeline { get; init; }

    /// <summary>Run-time param values; they take precedence over every other source but system variables.</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>Who asked (a user or a system account).</summary>
    public string? TriggeredBy { get; init; }

    /// <summary>What caused it (a push to a branch, a release, a schedule).</summary>
    public string? Trigger { get; init; }

    /// <summary>Normal or rollback.</summary>
    public RunMode Mode { get; init; } = RunMode.Normal;
}
