using System.Text.RegularExpressions;

namespace MFlow.Execution.Local;

/// <summary>Reads the outputs a task wrote as "NAME=value" lines to its output file.</summary>
public static partial class TaskOutputs
{
    /// <summary>The largest output file read.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Parses the file; a missing file means no outputs. Lines that are not NAME=value are ignored.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return outputs;
        if (new FileInfo(path).Length > MaxBytes)
            throw new InvalidDataException($"The task's outputs exceed {MaxBytes / 1024} KB.");

        foreach (var line in File.ReadLines(path))
        {
            var separator = line.IndexOf('=');
            if (separator <= 0)
                continue;
            var name = line[..separator].Trim();
            if (NamePattern().IsMatch(name))
                outputs[name] = line[(separator + 1)..];
        }

        return outputs;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*\\z")]
    private static partial Regex NamePattern();
}
