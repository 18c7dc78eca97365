using System.Text.RegularExpressions;

namespace MFlow.Execution;

/// <summary>
/// The format of <c>$_OUTPUT_FILE</c>: records <c>NAME=value</c>, each ended by a NUL byte, as
/// <c>printf 'IMAGE=%s\0' "$IMAGE" &gt;&gt; "$_OUTPUT_FILE"</c> writes them. A NUL can occur in no
/// environment variable, param or argument, so a value that came from one (a param a caller chose)
/// can never end its record early and add an output of its own: a newline in a value is part of
/// the value. Both executors read it here (locally from the file, on Kubernetes from the main
/// container's termination message).
/// </summary>
public static partial class TaskOutputs
{
    /// <summary>The largest output file read.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Reads the file; a missing file means no outputs.</summary>
    /// <param name="path">The task's output file.</param>
    /// <param name="report">Told about what was ignored (a record without its NUL, an invalid name).</param>
    /// <exception cref="InvalidDataException">The file is larger than <see cref="MaxBytes"/>.</exception>
    public static IReadOnlyDictionary<string, string> Read(string path, Action<string>? report = null)
    {
        if (!File.Exists(path))
            return new Dictionary<string, string>(StringComparer.Ordinal);
        if (new FileInfo(path).Length > MaxBytes)
            throw new InvalidDataException($"The task's outputs exceed {MaxBytes / 1024} KB.");
        return Parse(File.ReadAllText(path), report);
    }

    /// <summary>Parses NUL-ended <c>NAME=value</c> records; anything else is ignored and reported.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? text, Action<string>? report = null)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var records = (text ?? "").Split('\0');
        // The last piece follows the last NUL: a record that was never ended (or nothing).
        if (!string.IsNullOrWhiteSpace(records[^1]))
        {
            report?.Invoke("outputs: ignored text without a NUL at its end (write each output as printf 'NAME=%s\\0' \"$value\"): "
                + Shown(records[^1]));
        }

        foreach (var record in records.SkipLast(1))
        {
            var separator = record.IndexOf('=');
            var name = separator > 0 ? record[..separator] : "";
            if (!NamePattern().IsMatch(name))
            {
                if (record.Length > 0)
                    report?.Invoke($"outputs: ignored a record that is not NAME=value with a NAME of letters, digits and '_': {Shown(record)}");
                continue;
            }

            outputs[name] = record[(separator + 1)..];
        }

        return outputs;
    }

    static string Shown(string text) => new(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,127}\\z")]
    private static partial Regex NamePattern();
}
