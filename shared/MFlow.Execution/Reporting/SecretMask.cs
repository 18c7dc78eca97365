namespace MFlow.Execution.Reporting;

/// <summary>
/// Hides a task's secret values (its sensitive params, update token, kubeconfig) in its log before
/// the log leaves the worker, the one process that holds them in the clear: what a task prints of
/// them never reaches the run's stored log, its events or a notification.
/// </summary>
public static class SecretMask
{
    /// <summary>What a hidden value is shown as.</summary>
    public const string Mask = "***";

    // Shorter values ("1", "yes") would mask ordinary text everywhere and hide nothing worth hiding.
    const int MinLength = 4;

    /// <summary>
    /// The values to hide: each secret whole and, for a multi-line one (a kubeconfig printed in
    /// part), each credential-like value in it: a line's value (after "key: ") of 16 or more
    /// characters without spaces, such as a token, key data or a PEM line. Ordinary lines
    /// ("apiVersion: v1") stay readable. Longest first, so a value containing another is hidden whole.
    /// </summary>
    public static IReadOnlyList<string> ValuesOf(IEnumerable<string> secrets) =>
        secrets
            .SelectMany(secret => secret.Contains('\n') ? secret.Split('\n').Select(CredentialIn).OfType<string>().Append(secret) : [secret])
            .Where(value => value.Length >= MinLength)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(value => value.Length)
            .ToList();

    /// <summary><paramref name="text"/> with every one of <paramref name="values"/> replaced by <see cref="Mask"/>.</summary>
    public static string? Apply(string? text, IReadOnlyList<string> values)
    {
        if (text is null || values.Count == 0)
            return text;
        foreach (var value in values)
            text = text.Replace(value, Mask, StringComparison.Ordinal);
        return text;
    }

    /// <summary>
    /// <paramref name="text"/>, a part cut out of a longer log, masked (see <see cref="Apply"/>) and
    /// without what a cut may have left of a value: the piece of a value cut in two matches no mask,
    /// so the partial line at a cut edge (<paramref name="cutAtStart"/>, <paramref name="cutAtEnd"/>)
    /// is dropped, as far as the line's end but never more than the longest value's length less one.
    /// Mask a log before cutting it where the whole is at hand; this is for a part read from the end
    /// (or the start) of a log too long to read whole.
    /// </summary>
    public static string? ApplyToPart(string? text, IReadOnlyList<string> values, bool cutAtStart, bool cutAtEnd)
    {
        if (text is null || values.Count == 0)
            return text;
        // Longest first (ValuesOf), so values[0] is the longest. A value holds no line break unless it
        // is a multi-line secret, whose credential lines are values of their own.
        var reach = values[0].Length - 1;
        text = Apply(text, values)!;
        if (cutAtStart)
        {
            var lineEnd = text.IndexOf('\n');
            text = text[Math.Min(text.Length, lineEnd >= 0 ? Math.Min(lineEnd + 1, reach) : reach)..];
        }

        if (cutAtEnd)
        {
            var lineStart = text.LastIndexOf('\n');
            var partial = text.Length - (lineStart + 1);
            text = text[..(text.Length - Math.Min(text.Length, Math.Min(partial, reach)))];
        }

        return text;
    }

    /// <summary>
    /// For a log followed while it is written: of <paramref name="unsent"/>, the raw text read and not
    /// yet sent, the whole lines that can go out now, masked, and how many of its characters they are;
    /// the rest waits for more text. A value without a line break lies within one line, so whole lines
    /// are enough for it; a multi-line secret whose own lines are not credential-like (short, or with
    /// spaces) is masked only whole, so a line that may begin one (the text from it to the end is the
    /// start of the secret) waits until the text shows it is not one, or holds it whole. Once the log
    /// <paramref name="ended"/>, everything goes.
    /// </summary>
    public static (string Masked, int Length) ApplyToGrowing(string unsent, IReadOnlyList<string> values, bool ended)
    {
        if (ended)
            return (Apply(unsent, values) ?? "", unsent.Length);
        var cut = unsent.LastIndexOf('\n') + 1;
        for (var moved = true; moved && cut > 0;)
        {
            moved = false;
            foreach (var value in values.Where(v => v.Contains('\n')))
            {
                // A value that starts before the cut and runs past it, whole or still being written.
                for (var start = unsent.IndexOf(value[0], Math.Max(0, cut - value.Length + 1)); start >= 0 && start < cut; start = unsent.IndexOf(value[0], start + 1))
                {
                    var shown = Math.Min(value.Length, unsent.Length - start);
                    if (start + value.Length > cut && unsent.AsSpan(start, shown).SequenceEqual(value.AsSpan(0, shown)))
                    {
                        cut = start == 0 ? 0 : unsent.LastIndexOf('\n', start - 1) + 1;
                        moved = true;
                        break;
                    }
                }
            }
        }

        return cut == 0 ? ("", 0) : (Apply(unsent[..cut], values)!, cut);
    }

    // The credential-like value of one line of a multi-line secret, or null.
    static string? CredentialIn(string line)
    {
        var value = line.Trim();
        var colon = value.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0)
            value = value[(colon + 2)..].Trim();
        value = value.Trim('"', '\'');
        return value.Length >= 16 && !value.Any(char.IsWhiteSpace) ? value : null;
    }
}
