using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using MFlow.Kubernetes.Naming;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// A definition's unique name, as mflow writes it: <c>&lt;name&gt;@&lt;namespace&gt;.&lt;domain&gt;:&lt;version&gt;</c>,
/// where version may be <c>latest</c> (the newest published version) in a reference. Every part is
/// compared exactly: versions are case-sensitive, and "latest" in another case is refused everywhere.
/// </summary>
public sealed partial record DefinitionName(string Name, string Namespace, string Domain, string Version)
{
    /// <summary>The version word that means "the newest published one".</summary>
    public const string Latest = "latest";

    /// <summary>True when this names the latest published version rather than a fixed one.</summary>
    public bool IsLatest => Version == Latest;

    /// <summary>The name without its version.</summary>
    public string Unversioned => $"{Name}@{Namespace}.{Domain}";

    /// <inheritdoc />
    public override string ToString() => $"{Unversioned}:{Version}";

    /// <summary>Parses a unique name; a missing version means latest.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DefinitionName? name)
    {
        name = null;
        if (text is null || Pattern().Match(text) is not { Success: true } match)
            return false;
        // Versions are compared exactly; "LATEST" would otherwise name a fixed version that looks like the newest one.
        if (match.Groups["version"].Success && IsLatestInAnotherCase(match.Groups["version"].Value))
            return false;
        name = new DefinitionName(match.Groups["name"].Value, match.Groups["ns"].Value, match.Groups["domain"].Value,
            match.Groups["version"].Success ? match.Groups["version"].Value : Latest);
        return true;
    }

    /// <summary>True for a valid name, namespace or domain part.</summary>
    public static bool IsValidPart(string? part) => KubernetesNames.IsDns1123Label(part);

    /// <summary>True for a valid version (not "latest", which only a reference may use).</summary>
    public static bool IsValidVersion(string? version) =>
        version is not null && !string.Equals(version, Latest, StringComparison.OrdinalIgnoreCase) && VersionPattern().IsMatch(version);

    /// <summary>True for "Latest", "LATEST"...: the reserved word in another case, which is neither a version nor a reference to the newest one.</summary>
    public static bool IsLatestInAnotherCase(string? version) =>
        version != Latest && string.Equals(version, Latest, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^(?<name>[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)@(?<ns>[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\\.(?<domain>[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(:(?<version>[A-Za-z0-9][A-Za-z0-9._-]{0,62}))?\\z")]
    private static partial Regex Pattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\\z")]
    private static partial Regex VersionPattern();
}
