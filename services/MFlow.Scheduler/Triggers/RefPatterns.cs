using System.Text;
using System.Text.RegularExpressions;

namespace MFlow.Scheduler.Triggers;

/// <summary>
/// Branch and tag filters as GitHub Actions and GitLab CI write them: <c>*</c> matches within one
/// path segment (<c>release/*</c>), <c>**</c> across segments (<c>feature/**</c>), <c>?</c> one
/// character; everything else is literal. A pattern is a whole-name match.
/// </summary>
public static class RefPatterns
{
    /// <summary>Longest pattern.</summary>
    public const int MaxLength = 200;

    /// <summary>Most patterns of one kind per trigger.</summary>
    public const int MaxCount = 50;

    /// <summary>The first pattern <paramref name="name"/> matches, or null.</summary>
    public static string? FirstMatch(IEnumerable<string> patterns, string name) =>
        patterns.FirstOrDefault(pattern => ToRegex(pattern).IsMatch(name));

    /// <summary>What is wrong with a pattern, or null.</summary>
    public static string? Problem(string? pattern) =>
        string.IsNullOrEmpty(pattern) ? "is empty."
        : pattern.Length > MaxLength ? $"is {pattern.Length} characters long; the limit is {MaxLength}."
        : pattern.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "contains a space or a control character, which no branch or tag name has."
        : null;

    static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
            }
            else if (pattern[i] == '*')
            {
                regex.Append("[^/]*");
            }
            else if (pattern[i] == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(pattern[i].ToString()));
            }
        }

        // The non-backtracking engine matches in time linear in the name, however the pattern's stars
        // combine, so a hostile name needs no time-out (one of 100 ms fired on a busy machine while the
        // engine built its automaton).
        return new Regex(regex.Append("\\z").ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }
}
