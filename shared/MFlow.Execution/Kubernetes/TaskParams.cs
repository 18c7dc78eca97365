using System.Text.RegularExpressions;
using MFlow.Contracts;
using MFlow.Kubernetes.Naming;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Reads and checks a task's params for a job builder. Values reach tools as argv elements, never
/// through a shell, but a value may still be read as a flag or a path by the tool itself, so each
/// kind of value is held to what it can legitimately be.
/// </summary>
public sealed partial class TaskParams(RunTaskCommand command)
{
    /// <summary>The raw value, or null.</summary>
    public string? this[string name] => command.Params.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>A required value.</summary>
    public string Required(string name, string why) =>
        this[name] ?? throw new TaskParamException(name, $"is required: {why}");

    /// <summary>"true" or "false" (any case); the default when absent.</summary>
    public bool Bool(string name, bool defaultValue) => this[name]?.ToLowerInvariant() switch
    {
        null => defaultValue,
        "true" => true,
        "false" => false,
        var other => throw new TaskParamException(name, $"must be true or false, not '{Escape(other)}'."),
    };

    /// <summary>A list separated by commas or newlines, blanks dropped.</summary>
    public IReadOnlyList<string> List(string name) =>
        (this[name] ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>KEY=value pairs, one per line (a value may contain anything but a newline).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> KeyValues(string name)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var lines = (this[name] ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
                continue;
            var separator = line.IndexOf('=');
            var key = separator > 0 ? line[..separator].Trim() : "";
            if (!KeyPattern().IsMatch(key))
                throw new TaskParamException(name, $"line {i + 1} is not KEY=value with a KEY of letters, digits, '_', '.' or '-'."); // the value may be private: not echoed
            pairs.Add(new(key, line[(separator + 1)..].TrimEnd('\r')));
        }

        return pairs;
    }

    /// <summary>An image reference: no whitespace, not starting with '-'.</summary>
    public static string CheckImage(string name, string value) =>
        ImagePattern().IsMatch(value) ? value : throw new TaskParamException(name, $"'{Escape(value)}' is not an image reference.");

    /// <summary>A Kubernetes object name (DNS-1123 subdomain).</summary>
    public static string CheckObjectName(string name, string value) =>
        KubernetesNames.IsDns1123Subdomain(value) ? value : throw new TaskParamException(name, $"'{Escape(value)}' is not a valid Kubernetes name.");

    /// <summary>A DNS-1123 label (namespaces, container names).</summary>
    public static string CheckLabel(string name, string value) =>
        KubernetesNames.IsDns1123Label(value) ? value : throw new TaskParamException(name, $"'{Escape(value)}' is not a valid DNS-1123 label.");

    /// <summary>A Secret or ConfigMap data key.</summary>
    public static string CheckDataKey(string name, string value) =>
        KubernetesNames.IsDataKey(value) ? value : throw new TaskParamException(name, $"'{Escape(value)}' is not a valid Secret/ConfigMap key.");

    /// <summary>A value that must not be mistaken for an option: no leading '-', no control characters.</summary>
    public static string CheckPlain(string name, string value) =>
        value.Length > 0 && value[0] != '-' && !value.Any(char.IsControl)
            ? value
            : throw new TaskParamException(name, $"'{Escape(value)}' may not start with '-' or contain control characters.");

    /// <summary>A relative path inside the workspace: no '..', not absolute.</summary>
    public static string CheckRelativePath(string name, string value) =>
        !value.StartsWith('/') && !value.Split('/').Contains("..") && !value.Any(char.IsControl)
            ? CheckPlain(name, value)
            : throw new TaskParamException(name, $"'{Escape(value)}' must be a relative path inside the workspace.");

    /// <summary>A value shown in an error message without its control characters.</summary>
    public static string Escape(string value) => new(value.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]*\\z")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}\z")]
    private static partial Regex ImagePattern();
}
