namespace MFlow.Scheduler.Pipelines;

/// <summary>Collects field errors, then throws them all at once as a <see cref="PipelineValidationException"/>.</summary>
public sealed class ValidationErrors(string prefix = "")
{
    readonly Dictionary<string, List<string>> _errors = [];

    /// <summary>True when no error was added.</summary>
    public bool IsEmpty => _errors.Count == 0;

    /// <summary>Adds an error on a field (a path such as <c>stages[0].tasks[1].kind</c>).</summary>
    public void Add(string field, string message)
    {
        var key = prefix.Length == 0 ? field : $"{prefix}.{field}";
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
