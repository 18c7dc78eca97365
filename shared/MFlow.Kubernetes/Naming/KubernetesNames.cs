using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace MFlow.Kubernetes.Naming;

/// <summary>
/// Validators for the name formats the API server enforces, and a sanitiser that turns any text
/// into a valid DNS-1123 label. Job builders use these so that a bad name fails here, with a
/// clear message, instead of as a 422 from the server.
/// </summary>
public static partial class KubernetesNames
{
    /// <summary>Maximum length of a DNS-1123 label (Job, container and volume names, label name parts).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Maximum length of a DNS-1123 subdomain (most object names).</summary>
    public const int MaxSubdomainLength = 253;

    /// <summary>Length of the hash suffix <see cref="ToDns1123Label"/> appends when it truncates.</summary>
    public const int HashLength = 8;

    /// <summary>
    /// Whether <paramref name="value"/> is a DNS-1123 label: 1 to 63 characters of lowercase
    /// letters, digits and '-', starting and ending with a letter or digit.
    /// </summary>
    public static bool IsDns1123Label(string? value) =>
        value is { Length: > 0 and <= MaxLabelLength } && Dns1123LabelRegex().IsMatch(value);

    /// <summary>
    /// Whether <paramref name="value"/> is a C identifier (letters, digits and '_', not starting with a
    /// digit): the names MFlow allows for environment variables, params and Ansible variables.
    /// </summary>
    public static bool IsCIdentifier(string? value) => value is { Length: > 0 } && CIdentifierRegex().IsMatch(value);

    /// <summary>
    /// Whether <paramref name="value"/> is a DNS-1123 subdomain: at most 253 characters of
    /// DNS-1123 labels joined by '.'.
    /// </summary>
    public static bool IsDns1123Subdomain(string? value) =>
        value is { Length: > 0 and <= MaxSubdomainLength } && Dns1123SubdomainRegex().IsMatch(value);

    /// <summary>
    /// Whether <paramref name="value"/> is a valid label (or annotation) key: an optional
    /// DNS-1123 subdomain prefix and '/', then a name of 1 to 63 characters of letters, digits,
    /// '-', '_' and '.', starting and ending with a letter or digit.
    /// </summary>
    public static bool IsLabelKey(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var slash = value.IndexOf('/');
        if (slash < 0)
        {
            return IsQualifiedNamePart(value);
        }

        // More than one '/' leaves a '/' in the name part, which the name rule rejects.
        return IsDns1123Subdomain(value[..slash]) && IsQualifiedNamePart(value[(slash + 1)..]);
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a valid label value: empty, or 1 to 63 characters of
    /// letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
    /// </summary>
    public static bool IsLabelValue(string? value) =>
        value is not null && (value.Length == 0 || IsQualifiedNamePart(value));

    /// <summary>
    /// Whether <paramref name="value"/> is a valid Secret or ConfigMap data key: 1 to 253
    /// characters of letters, digits, '-', '_' and '.', and not '.', '..' or starting with '..'
    /// (the key becomes a file name when the object is mounted).
    /// </summary>
    public static bool IsDataKey(string? value) =>
        value is { Length: > 0 and <= MaxSubdomainLength }
        && DataKeyRegex().IsMatch(value)
        && value != "."
        && !value.StartsWith("..", StringComparison.Ordinal);

    /// <summary>
    /// Makes a valid DNS-1123 label from arbitrary text, deterministically: lowercases it,
    /// replaces every run of other characters with '-', trims '-' from both ends and, when the
    /// result is longer than <paramref name="maxLength"/>, truncates it and appends '-' and an
    /// 8-character hash of the original text so that long names sharing a prefix stay distinct.
    /// Text with no usable character becomes the hash alone.
    /// </summary>
    /// <remarks>
    /// Short inputs that differ only in replaced characters ("a_b" and "a.b") map to the same
    /// label; callers needing uniqueness across such inputs should add their own suffix.
    /// </remarks>
    /// <param name="text">Any text, e.g. a pipeline or task name.</param>
    /// <param name="maxLength">The maximum length, 1 to 63; leave room for suffixes you append yourself.</param>
    public static string ToDns1123Label(string text, int maxLength = MaxLabelLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, MaxLabelLength);

        var sanitized = InvalidLabelCharsRegex().Replace(text.ToLowerInvariant(), "-").Trim('-');
        if (sanitized.Length is > 0 && sanitized.Length <= maxLength)
        {
            return sanitized;
        }

        var hash = ShortHash(text);
        if (maxLength <= HashLength + 1 || sanitized.Length == 0)
        {
            return hash.Length <= maxLength ? hash : hash[..maxLength];
        }

        var prefix = sanitized[..(maxLength - HashLength - 1)].TrimEnd('-');
        return prefix.Length == 0 ? hash : $"{prefix}-{hash}";
    }

    private static bool IsQualifiedNamePart(string value) =>
        value.Length is > 0 and <= MaxLabelLength && QualifiedNamePartRegex().IsMatch(value);

    private static string ShortHash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..HashLength];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CIdentifierRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePartRegex();

    [GeneratedRegex("^[-._a-zA-Z0-9]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DataKeyRegex();

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex InvalidLabelCharsRegex();
}
