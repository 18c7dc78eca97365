using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Tests.Units;

public sealed class When_applying_patches
{
    [Fact]
    public void Should_merge_objects_replace_lists_and_delete_nulls()
    {
        var target = JsonNode.Parse("""{"a":{"b":1,"c":2},"list":[1,2],"keep":true}""")!.AsObject();
        var patch = JsonNode.Parse("""{"a":{"b":null,"d":3},"list":[3]}""")!.AsObject();

        var result = MergePatch.Apply(target, patch, strategic: false);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"c":2,"d":3},"list":[3],"keep":true}"""), result));
    }

    [Fact]
    public void Should_drop_strategic_directives()
    {
        var target = JsonNode.Parse("""{"spec":{"x":1}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"$setElementOrder/containers":[{"name":"a"}],"spec":{"$patch":"merge","y":2}}""")!.AsObject();

        var result = MergePatch.Apply(target, patch, strategic: true);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"spec":{"x":1,"y":2}}"""), result));
    }

    [Fact]
    public void Should_apply_json_patch_operations_in_order()
    {
        var target = JsonNode.Parse("""{"metadata":{"labels":{"a":"1"},"finalizers":["x","y"]}}""")!.AsObject();
        var operations = JsonNode.Parse("""
            [
              {"op":"test","path":"/metadata/labels/a","value":"1"},
              {"op":"replace","path":"/metadata/labels/a","value":"2"},
              {"op":"add","path":"/metadata/labels/example.com~1b","value":"3"},
              {"op":"remove","path":"/metadata/finalizers/0"},
              {"op":"add","path":"/metadata/finalizers/-","value":"z"},
              {"op":"copy","from":"/metadata/labels/a","path":"/metadata/labels/c"},
              {"op":"move","from":"/metadata/labels/c","path":"/metadata/labels/d"}
            ]
            """)!.AsArray();

        var result = JsonPatch.Apply(target, operations);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"metadata":{"labels":{"a":"2","example.com/b":"3","d":"2"},"finalizers":["y","z"]}}"""),
            result));
        Assert.Equal("1", target["metadata"]!["labels"]!["a"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""[{"op":"test","path":"/a","value":2}]""")]
    [InlineData("""[{"op":"remove","path":"/missing"}]""")]
    [InlineData("""[{"op":"replace","path":"/missing/deeper","value":1}]""")]
    [InlineData("""[{"op":"jump","path":"/a"}]""")]
    [InlineData("""[{"path":"/a"}]""")]
    public void Should_refuse_operations_that_cannot_apply(string operations)
    {
        var target = JsonNode.Parse("""{"a":1}""")!.AsObject();

        Assert.Throws<JsonPatchException>(() => JsonPatch.Apply(target, JsonNode.Parse(operations)!.AsArray()));
    }
}
