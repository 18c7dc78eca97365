using MFlow.Kubernetes.Fake.Api;
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

        var result = MergePatch.Apply(target, patch);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"c":2,"d":3},"list":[3],"keep":true}"""), result));
    }

    [Fact]
    public void Should_merge_a_strategic_patch_into_containers_and_env_by_name_and_replace_other_lists()
    {
        var job = JsonNode.Parse("""
            {"metadata":{"finalizers":["a"]},"spec":{"template":{"spec":{
              "containers":[{"name":"main","image":"busybox:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["x","y"]},
                            {"name":"sidecar","image":"envoy:1"}],
              "tolerations":[{"key":"k1"}]}}}}
            """)!.AsObject();
        var patch = JsonNode.Parse("""
            {"metadata":{"finalizers":["b"]},"spec":{"template":{"spec":{
              "$setElementOrder/containers":[{"name":"main"},{"name":"sidecar"}],
              "containers":[{"name":"main","image":"busybox:2","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}],"args":["z"]},
                            {"name":"sidecar","$patch":"delete"}],
              "tolerations":[{"key":"k2"}]}}}}
            """)!.AsObject();

        var result = StrategicMergePatch.Apply(Registry.Jobs, job, patch);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"metadata":{"finalizers":["a","b"]},"spec":{"template":{"spec":{
              "containers":[{"name":"main","image":"busybox:2","env":[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}],"args":["z"]}],
              "tolerations":[{"key":"k2"}]}}}}
            """), result), result.ToJsonString());
        Assert.Equal("envoy:1", job["spec"]!["template"]!["spec"]!["containers"]![1]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Should_honour_replace_retainKeys_and_deleteFromPrimitiveList_directives()
    {
        var pod = JsonNode.Parse("""
            {"metadata":{"finalizers":["a","b","c"]},"spec":{"containers":[{"name":"main","ports":[{"containerPort":80}]}],
              "volumes":[{"name":"v","emptyDir":{}}]}}
            """)!.AsObject();
        var patch = JsonNode.Parse("""
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]},"spec":{
              "containers":[{"name":"main","ports":[{"$patch":"replace"},{"containerPort":8080}]}],
              "volumes":[{"name":"v","$retainKeys":["name","configMap"],"configMap":{"name":"cm"}}]}}
            """)!.AsObject();

        var result = StrategicMergePatch.Apply(Registry.Pods, pod, patch);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"metadata":{"finalizers":["a","c"]},"spec":{"containers":[{"name":"main","ports":[{"containerPort":8080}]}],
              "volumes":[{"name":"v","configMap":{"name":"cm"}}]}}
            """), result), result.ToJsonString());
    }

    [Fact]
    public void Should_refuse_a_strategic_list_element_without_its_merge_key()
    {
        var pod = JsonNode.Parse("""{"spec":{"containers":[{"name":"main"}]}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"containers":[{"image":"busybox:2"}]}}""")!.AsObject();

        var error = Assert.Throws<JsonPatchException>(() => StrategicMergePatch.Apply(Registry.Pods, pod, patch));

        Assert.Contains("does not contain declared merge key: name", error.Message, StringComparison.Ordinal);
    }

    private static readonly ResourceRegistry Registry = new();

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
