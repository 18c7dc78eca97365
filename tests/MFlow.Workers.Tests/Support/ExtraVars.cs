using YamlDotNet.RepresentationModel;

namespace MFlow.Workers.Tests.Support;

/// <summary>Reads an Ansible extra-vars file with a real YAML parser, as Ansible's loader would.</summary>
public static class ExtraVars
{
    /// <summary>
    /// Each top-level key with its value's tag and text. Fails unless the document is one flat
    /// mapping of scalars: a value that parsed as a mapping, a sequence or an alias is structure.
    /// </summary>
    public static IReadOnlyDictionary<string, (string Tag, string Value)> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var document = Assert.Single(stream.Documents);
        var root = Assert.IsType<YamlMappingNode>(document.RootNode);
        var vars = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var (key, value) in root.Children)
        {
            var name = Assert.IsType<YamlScalarNode>(key).Value!;
            var scalar = Assert.IsType<YamlScalarNode>(value);
            Assert.True(vars.TryAdd(name, (scalar.Tag.IsEmpty ? "" : scalar.Tag.Value, scalar.Value ?? "")), $"{name} appears twice");
        }

        return vars;
    }
}
