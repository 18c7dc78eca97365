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
