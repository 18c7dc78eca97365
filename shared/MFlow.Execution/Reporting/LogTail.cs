namespace MFlow.Execution.Reporting;

/// <summary>The last lines of a task's log that go into its terminal TaskUpdated, whichever executor ran it.</summary>
public static class LogTail
{
    /// <summary>The most characters a tail holds (its end is kept).</summary>
    public const int MaxChars = 4096;

    /// <summary>The last <paramref name="lines"/> lines of <paramref name="log"/>, at most <see cref="MaxChars"/> characters.</summary>
    public static string Of(string log, int lines)
    {
        var all = log.TrimEnd('\n').Split('\n');
        return Of(all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>Lines already cut to the tail, joined and cut to <see cref="MaxChars"/> characters.</summary>
    public static string Of(IEnumerable<string> lines)
    {
        var text = string.Join('\n', lines);
        return text.Length <= MaxChars ? text : text[^MaxChars..];
    }
}
