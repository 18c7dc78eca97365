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
    /// The values to hide: each secret whole, and each longer line of a multi-line one (a kubeconfig
    /// printed in part), longest first so that a value containing another is hidden whole.
    /// </summary>
    public static IReadOnlyList<string> ValuesOf(IEnumerable<string> secrets) =>
        secrets
            .SelectMany(secret => secret.Contains('\n')
                ? secret.Split('\n').Select(line => line.Trim()).Where(line => line.Length >= 8).Append(secret)
                : [secret])
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
}
