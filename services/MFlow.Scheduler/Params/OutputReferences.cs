using System.Text.RegularExpressions;

namespace MFlow.Scheduler.Params;

/// <summary>
/// References to an earlier task's output in a param value: <c>$(tasks.build.outputs.IMAGE)</c>.
/// They are resolved when the task is dispatched, by plain text replacement in the value (never in
/// a manifest or a script), so an output can only ever become (part of) a param value.
/// </summary>
public static partial class OutputReferences
{
    /// <summary>Every reference in the values.</summary>
    public static IEnumerable<OutputReference> In(IEnumerable<string?> values) =>
        values.Where(v => v is not null).SelectMany(v => Pattern().Matches(v!))
            .Select(m => new OutputReference(m.Value, m.Groups["task"].Value, m.Groups["output"].Value));

    /// <summary>
    /// Replaces each reference with the output's value; <paramref name="outputs"/> maps task name to
    /// its outputs. Returns null in <paramref name="missing"/> when all were found.
    /// </summary>
    public static string Resolve(string value, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> outputs, out string? missing)
    {
        string? notFound = null;
        var resolved = Pattern().Replace(value, match =>
        {
            if (outputs.TryGetValue(match.Groups["task"].Value, out var task) && task.TryGetValue(match.Groups["output"].Value, out var output))
                return output;
            notFound ??= match.Value;
            return match.Value;
        });
        missing = notFound;
        return resolved;
    }

    /// <summary>The environment variable an earlier task's output is also available as: TASKS_BUILD_OUTPUTS_IMAGE.</summary>
    public static string EnvironmentName(string task, string output) =>
        $"TASKS_{task.ToUpperInvariant().Replace('-', '_')}_OUTPUTS_{output}";

    [GeneratedRegex(@"\$\(tasks\.(?<task>[a-z][-a-z0-9]*)\.outputs\.(?<output>[A-Za-z][A-Za-z0-9_]*)\)")]
    private static partial Regex Pattern();
}

/// <summary>One output reference.</summary>
/// <param name="Text">As written.</param>
/// <param name="Task">The task whose output it is.</param>
/// <param name="Output">The output's name.</param>
public sealed record OutputReference(string Text, string Task, string Output);
