namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// Collects field errors, then throws them all at once as a <see cref="PipelineValidationException"/>.
/// Field paths and messages may quote what the request said, so they are made safe here: control
/// characters shown as '?', lengths capped, and at most <see cref="MaxErrors"/> errors kept, so
/// that an answer never grows with a hostile document.
/// </summary>
public sealed class ValidationErrors(string prefix = "")
{
    /// <summary>The most errors reported; the rest are counted.</summary>
    public const int MaxErrors = 100;

    const string MoreField = "errors";

    readonly Dictionary<string, List<string>> _errors = [];
    int _count;

    /// <summary>True when no error was added.</summary>
    public bool IsEmpty => _errors.Count == 0;

    /// <summary>Adds an error on a field (a path such as <c>stages[0].tasks[1].kind</c>).</summary>
    public void Add(string field, string message)
    {
        var key = TextRules.Shown(prefix.Length == 0 ? field : $"{prefix}.{field}", 200);
        message = TextRules.Shown(message, 1000);
        if (_errors.TryGetValue(key, out var existing) && existing.Contains(message))
            return; // the same problem reached through several tasks (a pipeline-wide param) is said once
        if (++_count > MaxErrors)
        {
            _errors[MoreField] = [$"{_count - MaxErrors} more errors were not listed; fix these first."];
            return;
        }

        if (!_errors.TryGetValue(key, out var list))
            _errors[key] = list = [];
        list.Add(message);
    }

    /// <summary>Throws when any error was added.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
            throw new PipelineValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
