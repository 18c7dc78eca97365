using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MFlow.Documents;
using YamlDotNet.Core;

namespace MFlow.Documents.Tests;

public sealed class When_reading_hostile_documents
{
    private static readonly DocumentLimits Limits = DocumentLimits.Definition;

    public static TheoryData<string, string> DeepYaml => new()
    {
        // The issue's reproduction: a flow list nested 100,000 deep in a pipeline's description.
        { "flow lists", "name: n\ndescription: " + new string('[', 100_000) + new string(']', 100_000) + "\nstages: []" },
        { "flow mappings", "name: n\ndescription: " + string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "x" + new string('}', 100_000) },
        // Block lists open one level per "- " on a single line.
        { "block lists", "stages:\n  " + string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n" },
        { "JSON arrays", "{\"name\": " + new string('[', 100_000) + new string(']', 100_000) + "}" },
    };

    [Theory]
    [MemberData(nameof(DeepYaml))]
    public void Should_refuse_yaml_nested_deeper_than_the_limit_before_building_anything(string shape, string text)
    {
        var watch = Stopwatch.StartNew();
        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.CheckYaml(text, Limits));

        Assert.Equal("depth", refused.Limit);
        Assert.StartsWith($"The document nests deeper than {Limits.MaxDepth} levels (at line ", refused.Message);
        // Generous for a slow machine; the point is that the cost does not grow with the nesting.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{shape}: {watch.Elapsed}");
    }

    [Fact]
    public void Should_accept_nesting_up_to_the_limit()
    {
        var text = new string('[', Limits.MaxDepth) + new string(']', Limits.MaxDepth);

        BoundedReader.CheckYaml(text, Limits);
        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.CheckYaml("[" + text + "]", Limits));
        Assert.Equal("depth", refused.Limit);
    }

    [Fact]
    public void Should_count_what_aliases_expand_to()
    {
        // A "billion laughs": each level repeats the one before ten times.
        var text = new StringBuilder("a0: &a0 [\"" + new string('x', 100) + "\"]\n");
        for (var level = 1; level < 9; level++)
            text.Append($"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10))}]\n");

        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.CheckYaml(text.ToString(), Limits));

        Assert.Contains(refused.Limit, new[] { "nodes", "expandedSize" });
        Assert.True(text.Length < 1000, "the document itself is small");
    }

    [Fact]
    public void Should_refuse_more_aliases_than_the_limit()
    {
        var text = "x: &x 1\nlist: [" + string.Join(",", Enumerable.Repeat("*x", DocumentLimits.Kubeconfig.MaxAliases + 1)) + "]";

        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.CheckYaml(text, DocumentLimits.Kubeconfig));

        Assert.Equal("aliases", refused.Limit);
    }

    [Fact]
    public void Should_refuse_too_many_nodes()
    {
        var text = "[" + string.Join(",", Enumerable.Repeat("1", DocumentLimits.Kubeconfig.MaxNodes)) + "]";

        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.CheckYaml(text, DocumentLimits.Kubeconfig));

        Assert.Equal("nodes", refused.Limit);
    }

    [Fact]
    public void Should_refuse_text_longer_than_the_limit_as_too_large()
    {
        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.CheckYaml(new string('#', DocumentLimits.Kubeconfig.MaxChars + 1), DocumentLimits.Kubeconfig));

        Assert.True(refused.TooLarge);
        Assert.Equal($"The kubeconfig is {DocumentLimits.Kubeconfig.MaxChars + 1} characters long; the limit is {DocumentLimits.Kubeconfig.MaxChars}.", refused.Message);
    }

    [Fact]
    public void Should_leave_syntax_errors_to_the_parser_with_their_position()
    {
        var error = Assert.ThrowsAny<YamlException>(() => BoundedReader.CheckYaml("a: [1, 2\nb: 3", Limits));

        Assert.True(error.Start.Line >= 1);
    }

    [Fact]
    public void Should_accept_an_ordinary_pipeline()
    {
        const string pipeline = """
            name: release
            defaults: &defaults { retries: 2, timeoutSeconds: 600 }
            stages:
              - name: build
                tasks:
                  - { name: image, kind: build, <<: *defaults, params: { GIT_URL: "git@example.com:shop.git" } }
            """;

        BoundedReader.CheckYaml(pipeline, Limits);
    }

    [Fact]
    public void Should_refuse_json_nested_deeper_than_the_limit()
    {
        var json = Encoding.UTF8.GetBytes("{\"values\":" + new string('[', 100_000) + new string(']', 100_000) + "}");

        var refused = Assert.Throws<DocumentLimitException>(() => BoundedReader.ReadJson<JsonElement>(json, Limits, JsonSerializerOptions.Web));

        Assert.Equal("depth", refused.Limit);
    }

    [Fact]
    public void Should_read_json_within_the_limits()
    {
        var read = BoundedReader.ReadJson<Dictionary<string, string>>("{\"IMAGE\":\"registry/app:1\"}"u8, Limits, JsonSerializerOptions.Web);

        Assert.Equal("registry/app:1", read!["IMAGE"]);
    }

    [Fact]
    public async Task Should_stop_reading_a_stream_at_the_byte_past_its_limit()
    {
        var stream = new CountingStream(new byte[10_000_000]);

        var refused = await Assert.ThrowsAsync<DocumentLimitException>(() => BoundedReader.ReadAllAsync(stream, 1000, "request body", CancellationToken.None));

        Assert.True(refused.TooLarge);
        Assert.Equal("The request body is larger than 1000 bytes.", refused.Message);
        Assert.True(stream.Position <= 1001, $"read {stream.Position} bytes");
    }

    // Hands out at most the buffer a reader asks for; a MemoryStream would too, this one says how far it got.
    private sealed class CountingStream(byte[] data) : MemoryStream(data);
}
