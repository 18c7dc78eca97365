namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// A pipeline or run request that cannot be accepted. <see cref="Errors"/> maps each offending field
/// (a path such as <c>stages[1].tasks[0].kind</c>) to what is wrong with it; the HTTP API answers
/// them as validation problem details, the message consumer faults with them as the reason.
/// </summary>
public sealed class PipelineValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception(Describe(errors))
{
    /// <summary>Field path to messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>One error on one field.</summary>
    public static PipelineValidationException For(string field, string message) =>
        new(new Dictionary<string, string[]> { [TextRules.Shown(field, 200)] = [TextRules.Shown(message, 1000)] });

    static string Describe(IReadOnlyDictionary<string, string[]> errors) =>
        "Invalid pipeline: " + string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}
