using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MFlow.Documents;

/// <summary>
/// The one reader MFlow uses for YAML and JSON that comes from outside: pipelines, run requests,
/// job and pipeline definitions, kubeconfigs of registered clusters, and the outputs tasks write
/// back. It checks a document against its <see cref="DocumentLimits"/> by walking the parser's
/// events (an iterative state machine) with counters, so that nothing recursive (YamlDotNet's node
/// model and deserializer, a kubeconfig loader) ever sees a document nested deeper than the limit:
/// a stack overflow cannot be caught in .NET and would take the whole process down.
/// </summary>
public static class BoundedReader
{
    /// <summary>Checks YAML (or JSON, a subset of YAML) text; returns when it is within the limits.</summary>
    /// <exception cref="DocumentLimitException">A limit is exceeded.</exception>
    /// <exception cref="YamlException">The text is not well-formed YAML (reported with its line and column).</exception>
    public static void CheckYaml(string text, DocumentLimits limits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        if (text.Length > limits.MaxChars)
            throw TooLong(limits, $"{text.Length} characters");
        // YAML allows no control characters but tab, line breaks and NEL in its text; YamlDotNet
        // would stop at a NUL and silently drop what follows.
        var control = text.AsSpan().IndexOfAnyInRange('\0', '\x1f');
        while (control >= 0 && text[control] is '\t' or '\n' or '\r')
        {
            var next = text.AsSpan(control + 1).IndexOfAnyInRange('\0', '\x1f');
            control = next < 0 ? -1 : control + 1 + next;
        }

        if (control >= 0)
        {
            var line = text.AsSpan(0, control).Count('\n') + 1;
            throw new DocumentLimitException("characters", $"The {limits.Name} contains the control character U+{(int)text[control]:X4} (line {line}); escape it in a double-quoted string if it is meant.");
        }

        var parser = new Parser(new Scanner(new StringReader(text), skipComments: true));
        var depth = 0;
        long nodes = 0, expanded = 0;
        var aliases = 0;
        // An anchored collection's cost is known when it ends; an alias then costs as much again.
        var anchors = new Dictionary<AnchorName, (long Nodes, long Chars)>();
        var open = new Stack<(AnchorName Anchor, long Nodes, long Chars)>();
        var at = Mark.Empty;
        while (Next(parser, ref at))
        {
            var current = parser.Current!;
            at = current.End;
            switch (current)
            {
                case MappingStart or SequenceStart:
                    if (++depth > limits.MaxDepth)
                        throw Exceeded(limits, "depth", $"nests deeper than {limits.MaxDepth} levels", current.Start);
                    nodes++;
                    open.Push((((NodeEvent)current).Anchor, nodes - 1, expanded));
                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    var (anchor, nodesBefore, charsBefore) = open.Pop();
                    if (!anchor.IsEmpty)
                        anchors[anchor] = (nodes - nodesBefore, expanded - charsBefore);
                    break;
                case Scalar scalar:
                    nodes++;
                    expanded += scalar.Value.Length;
                    if (!scalar.Anchor.IsEmpty)
                        anchors[scalar.Anchor] = (1, scalar.Value.Length);
                    break;
                case AnchorAlias alias:
                    if (++aliases > limits.MaxAliases)
                        throw Exceeded(limits, "aliases", $"uses more than {limits.MaxAliases} aliases", current.Start);
                    if (open.Any(o => o.Anchor == alias.Value))
                        throw Exceeded(limits, "aliases", $"refers to '{alias.Value}' inside the collection it names (a recursive structure)", current.Start);
                    if (anchors.TryGetValue(alias.Value, out var cost))
                    {
                        nodes += cost.Nodes;
                        expanded += cost.Chars;
                    }

                    break;
            }

            if (nodes > limits.MaxNodes)
                throw Exceeded(limits, "nodes", $"has more than {limits.MaxNodes} values (mappings, lists and scalars, aliases expanded)", current.Start);
            if (expanded > limits.MaxExpandedChars)
                throw Exceeded(limits, "expandedSize", $"expands to more than {limits.MaxExpandedChars} characters of values (aliases expanded)", current.Start);
        }
    }

    // YamlDotNet's scanner reports some malformed input (an unclosed flow list followed by a key)
    // as an InvalidOperationException; callers get a YamlException with a position for all of them.
    static bool Next(Parser parser, ref Mark at)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception ex) when (ex is not YamlException)
        {
            throw new SyntaxErrorException(at, at, "The document is not well-formed YAML or JSON (an unclosed list or mapping?).");
        }
    }

    /// <summary>Reads a JSON document into <typeparamref name="T"/> after checking it against the limits.</summary>
    /// <exception cref="DocumentLimitException">A limit is exceeded.</exception>
    /// <exception cref="JsonException">The text is not JSON, or not of the expected shape.</exception>
    public static T? ReadJson<T>(ReadOnlySpan<byte> utf8, DocumentLimits limits, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(options);
        CheckJson(utf8, limits);
        // The scan proved the depth; the serializer is held to the same limit all the same.
        return JsonSerializer.Deserialize<T>(utf8, WithMaxDepth(options, limits.MaxDepth + 1));
    }

    // A serializer keeps its metadata (built by reflection) per options instance: one copy per
    // caller's options and depth, made once, instead of a new one, and new metadata, per request.
    static readonly ConditionalWeakTable<JsonSerializerOptions, ConcurrentDictionary<int, JsonSerializerOptions>> DepthLimited = new();

    static JsonSerializerOptions WithMaxDepth(JsonSerializerOptions options, int maxDepth) =>
        DepthLimited.GetOrCreateValue(options).GetOrAdd(maxDepth, static (depth, source) => new JsonSerializerOptions(source) { MaxDepth = depth }, options);

    /// <summary>Checks JSON text (UTF-8) against the limits without building anything.</summary>
    /// <exception cref="DocumentLimitException">A limit is exceeded.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static void CheckJson(ReadOnlySpan<byte> utf8, DocumentLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (utf8.Length > limits.MaxChars)
            throw TooLong(limits, $"{utf8.Length} bytes");

        // One past the limit, so that exceeding it is ours to report (with the limit's name), not the reader's.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = limits.MaxDepth + 1 });
        long nodes = 0, chars = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (reader.CurrentDepth + 1 > limits.MaxDepth)
                        throw Exceeded(limits, "depth", $"nests deeper than {limits.MaxDepth} levels", reader.TokenStartIndex);
                    nodes++;
                    break;
                case JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                    nodes++;
                    chars += reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                    break;
            }

            if (nodes > limits.MaxNodes)
                throw Exceeded(limits, "nodes", $"has more than {limits.MaxNodes} values", reader.TokenStartIndex);
        }
    }

    /// <summary>
    /// Reads a stream to its end, but never more than <paramref name="maxBytes"/>: a longer stream is
    /// refused as soon as the byte past the limit arrives, so a chunked or lying body costs at most the limit.
    /// </summary>
    /// <exception cref="DocumentLimitException">The stream is longer than <paramref name="maxBytes"/> (<see cref="DocumentLimitException.TooLarge"/>).</exception>
    public static async Task<byte[]> ReadAllAsync(Stream stream, int maxBytes, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[Math.Min(81920, maxBytes + 1)];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new DocumentLimitException("size", $"The {what} is larger than {maxBytes} bytes.", tooLarge: true);
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    static DocumentLimitException TooLong(DocumentLimits limits, string size) =>
        new("size", $"The {limits.Name} is {size} long; the limit is {limits.MaxChars}.", tooLarge: true);

    static DocumentLimitException Exceeded(DocumentLimits limits, string limit, string what, Mark at) =>
        new(limit, $"The {limits.Name} {what} (at line {at.Line}, column {at.Column}).");

    static DocumentLimitException Exceeded(DocumentLimits limits, string limit, string what, long offset) =>
        new(limit, $"The {limits.Name} {what} (at byte {offset}).");
}
