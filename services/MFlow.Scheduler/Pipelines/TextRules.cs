using System.Text.RegularExpressions;

namespace MFlow.Scheduler.Pipelines;

/// <summary>
/// The rules every name and free text the API stores follows: a length limit, and no control
/// characters (free text may hold tab and line breaks). A NUL would be cut off by C tools and
/// PostgreSQL refuses it; escape sequences and bare carriage returns rewrite what a log or a
/// terminal shows.
/// </summary>
public static partial class TextRules
{
    /// <summary>Longest name (a pipeline's, a stage's, a key's).</summary>
    public const int MaxNameLength = 100;

    /// <summary>Longest one-line text (a reason, who or what triggered a run, an idempotency key).</summary>
    public const int MaxLineLength = 500;

    /// <summary>Longest description.</summary>
    public const int MaxDescriptionLength = 4000;

    /// <summary>Longest param name: an environment variable's name.</summary>
    public const int MaxParamNameLength = 128;

    /// <summary>What is wrong with a one-line text, or null.</summary>
    public static string? CheckLine(string? value, int maxLength = MaxLineLength) =>
        value is null ? null
        : value.Length > maxLength ? $"is {value.Length} characters long; the limit is {maxLength}."
        : value.Any(char.IsControl) ? "contains a control character (a line break, NUL, escape...), which is not allowed here."
        : null;

    /// <summary>What is wrong with multi-line text (tab and line breaks allowed), or null.</summary>
    public static string? CheckText(string? value, int maxLength = MaxDescriptionLength) =>
        value is null ? null
        : value.Length > maxLength ? $"is {value.Length} characters long; the limit is {maxLength}."
        : value.Any(IsForbiddenInText) ? "contains a control character other than tab or a line break (a NUL, escape...), which is not allowed."
        : null;

    /// <summary>True for a character that free text (values, descriptions, scripts) may not hold: control characters but tab, line feed and carriage return.</summary>
    public static bool IsForbiddenInText(char c) => char.IsControl(c) && c is not ('\t' or '\n' or '\r');

    /// <summary>
    /// True for a param name: an environment variable's name of letters, digits and '_', not
    /// starting with a digit, at most <see cref="MaxParamNameLength"/> characters.
    /// </summary>
    public static bool IsParamName(string? name) => name is not null && ParamName().IsMatch(name);

    /// <summary>A value as an error message may quote it: control characters shown as '?', at most <paramref name="max"/> characters.</summary>
    public static string Shown(string? value, int max = 64)
    {
        if (value is null)
            return "";
        var visible = new string(value.Take(max).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > max ? visible + "..." : visible;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}\\z")]
    private static partial Regex ParamName();
}
