using System.Text;
using MFlow.Documents;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MFlow.Cli.Commands;

/// <summary>Reading the documents a command sends: pipeline files, their run-time params.</summary>
public static class RunDocuments
{
    /// <summary>The largest document the API takes (1 MiB); a larger one is refused here, before it is sent.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>Reads a document from a file, or standard input for <c>-</c>.</summary>
    /// <exception cref="CliException">No such file, or too large.</exception>
    public static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (path == "-")
        {
            try
            {
                await using var input = Console.OpenStandardInput();
                var bytes = await BoundedReader.ReadAllAsync(input, MaxDocumentBytes, "document on standard input", cancellationToken);
                return Encoding.UTF8.GetString(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes.AsSpan(Encoding.UTF8.Preamble.Length) : bytes);
            }
            catch (DocumentLimitException ex)
            {
                throw new CliException($"{ex.Message} That is the most the API takes.");
            }
        }

        var file = new FileInfo(path);
        if (!file.Exists)
            throw new CliException($"There is no file {file.FullName}.");
        if (file.Length > MaxDocumentBytes)
            throw new CliException($"{file.FullName} is {file.Length} bytes; the API takes documents of at most {MaxDocumentBytes} bytes.");
        return await File.ReadAllTextAsync(file.FullName, cancellationToken);
    }

    /// <summary>Parses <c>NAME=VALUE</c> params (the value may hold '=' and be empty).</summary>
    /// <exception cref="CliException">One is not NAME=VALUE.</exception>
    public static Dictionary<string, string> ParseParams(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            var separator = arg.IndexOf('=');
            if (separator <= 0)
                throw new CliException($"-p '{arg}' is not NAME=VALUE.");
            values[arg[..separator]] = arg[(separator + 1)..];
        }

        return values;
    }

    /// <summary>
    /// The run request for a pipeline document with run-time params: <c>{pipeline: ..., params: ...}</c>.
    /// The document is carried node for node (its scalars keep their quoting), so the server reads
    /// the pipeline exactly as it would the file; a document that is already a run request gets the
    /// params merged into its own, the command line's winning.
    /// </summary>
    /// <exception cref="CliException">The document is not YAML or JSON with a mapping at its root.</exception>
    public static string WithParams(string document, IReadOnlyDictionary<string, string> parameters)
    {
        if (parameters.Count == 0)
            return document;
        YamlStream stream;
        try
        {
            stream = Load(document);
        }
        catch (Exception ex) when (ex is YamlException or DocumentLimitException)
        {
            throw new CliException($"The pipeline document is not valid YAML or JSON: {ex.Message}");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new CliException("The pipeline document must be one mapping (with 'stages'), in YAML or JSON.");
        var request = IsRunRequest(root) ? root : new YamlMappingNode { { "pipeline", root } };
        if (!request.Children.TryGetValue("params", out var existing) || existing is not YamlMappingNode values)
        {
            values = new YamlMappingNode();
            request.Children[new YamlScalarNode("params")] = values;
        }

        foreach (var (name, value) in parameters)
            values.Children[new YamlScalarNode(name)] = new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted };
        var text = new StringWriter();
        new YamlStream(new YamlDocument(request)).Save(text, assignAnchors: false);
        return text.ToString();
    }

    /// <summary>
    /// Whether the document is a run request (<c>{pipeline: ..., idempotencyKey: ...}</c>) with a key
    /// of its own, which the server starts one run for however often it is sent. A document that is
    /// not valid YAML, or beyond the API's limits, has none: the server says what is wrong with it.
    /// </summary>
    public static bool HasIdempotencyKey(string document)
    {
        YamlStream stream;
        try
        {
            stream = Load(document);
        }
        catch (Exception ex) when (ex is YamlException or DocumentLimitException)
        {
            return false;
        }

        return stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root && IsRunRequest(root)
            && Value(root, "idempotencyKey") is YamlScalarNode { Value.Length: > 0 } value
            && !(value.Style == ScalarStyle.Plain && value.Value is "~" or "null" or "Null" or "NULL");
    }

    // The node model is built by recursion: the document is first held to the API's own limits
    // (depth, nodes, aliases), so a deeply nested file is refused instead of overflowing the stack.
    static YamlStream Load(string document)
    {
        BoundedReader.CheckYaml(document, DocumentLimits.Definition);
        var stream = new YamlStream();
        stream.Load(new StringReader(document));
        return stream;
    }

    // As the server tells a run request from a pipeline document: it names the pipeline and has no
    // stages. Keys are matched by their text, as the server does, whatever their tag or quoting.
    static bool IsRunRequest(YamlMappingNode root) => Value(root, "pipeline") is not null && Value(root, "stages") is null;

    static YamlNode? Value(YamlMappingNode mapping, string key) =>
        mapping.Children.FirstOrDefault(entry => entry.Key is YamlScalarNode { Value: var text } && text == key).Value;
}
