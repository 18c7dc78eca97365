using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MFlow.Standalone.Tests.Hostile;

/// <summary>
/// One request of the hostile corpus (<c>hostile-requests.yaml</c>): what to send, as whom, and the
/// answer it must get. Bodies may repeat text with <c>{{N*'text'}}</c> (a 100,000-deep list is
/// <c>{{100000*'['}}</c>; <c>{i}</c> in the text is the repetition's number) and name what the
/// fixture set up with <c>{run}</c>, <c>{task}</c>, <c>{draftJob}</c>, <c>{draftPipeline}</c>, <c>{tmp}</c>.
/// </summary>
public sealed partial class HostileCase
{
    /// <summary>What the case tries, unique in the corpus.</summary>
    public string Name { get; set; } = "";

    /// <summary>The issue family it belongs to (crash, amplification, environment, outputs, limits, secrets) or "own".</summary>
    public string Family { get; set; } = "own";

    /// <summary>GET, POST, PUT, DELETE; POST by default.</summary>
    public string Method { get; set; } = "POST";

    /// <summary>The path and query.</summary>
    public string Path { get; set; } = "";

    /// <summary>admin, operator, viewer, task (the held task's update token) or none; operator by default.</summary>
    public string As { get; set; } = "operator";

    /// <summary>The Content-Type; application/yaml by default, "none" for no header.</summary>
    public string Type { get; set; } = "application/yaml";

    /// <summary>The body, before its macros are expanded.</summary>
    public string? Body { get; set; }

    /// <summary>The body as base64 bytes (for what is not text: invalid UTF-8), instead of <see cref="Body"/>.</summary>
    public string? BodyBase64 { get; set; }

    /// <summary>Send the body chunked, with no length, over a raw connection (as an attacker would).</summary>
    public bool Chunked { get; set; }

    /// <summary>More request headers.</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>The status the answer must have.</summary>
    public int Expect { get; set; }

    /// <summary>Texts the problem details must contain: the field or the limit the answer names.</summary>
    public List<string> Names { get; set; } = [];

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Every case of the corpus file, in order.</summary>
    public static IReadOnlyList<HostileCase> Load(string path) =>
        new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
            .Deserialize<List<HostileCase>>(File.ReadAllText(path));

    /// <summary>The body's bytes, macros expanded and placeholders filled in.</summary>
    public byte[]? BodyBytes(IReadOnlyDictionary<string, string> placeholders) =>
        BodyBase64 is not null ? Convert.FromBase64String(BodyBase64)
        : Body is null ? null
        : Encoding.UTF8.GetBytes(Fill(Expand(Body), placeholders));

    /// <summary>The path with placeholders filled in.</summary>
    public string FilledPath(IReadOnlyDictionary<string, string> placeholders) => Fill(Expand(Path), placeholders);

    // Innermost first, so that a repeated text may itself repeat something; "\n" in a repeated text is a line break.
    static string Expand(string text)
    {
        string expanded;
        while ((expanded = Repeat().Replace(text, Repetition)) != text)
            text = expanded;
        return text;
    }

    static string Repetition(Match match)
    {
        var repeated = new StringBuilder();
        var part = match.Groups["text"].Value.Replace("\\n", "\n", StringComparison.Ordinal);
        var numbered = part.Contains("{i}", StringComparison.Ordinal);
        for (var i = 0; i < int.Parse(match.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture); i++)
            repeated.Append(numbered ? part.Replace("{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) : part);
        return repeated.ToString();
    }

    /// <summary>The headers, macros expanded.</summary>
    public Dictionary<string, string> FilledHeaders(IReadOnlyDictionary<string, string> placeholders) =>
        Headers.ToDictionary(h => h.Key, h => Fill(Expand(h.Value), placeholders));

    static string Fill(string text, IReadOnlyDictionary<string, string> placeholders) =>
        placeholders.Aggregate(text, (filled, p) => filled.Replace("{" + p.Key + "}", p.Value, StringComparison.Ordinal));

    [GeneratedRegex(@"\{\{(?<count>\d+)\*'(?<text>(?:(?!\{\{).)*?)'\}\}", RegexOptions.Singleline)]
    private static partial Regex Repeat();
}
