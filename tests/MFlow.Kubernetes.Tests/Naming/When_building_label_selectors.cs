using MFlow.Kubernetes.Naming;

namespace MFlow.Kubernetes.Tests.Naming;

public sealed class When_building_label_selectors
{
    [Fact]
    public void Should_join_every_kind_of_requirement_in_the_order_added()
    {
        var selector = new LabelSelectorBuilder()
            .Equal("mflow.io/run", "run-42")
            .NotEqual("tier", "cache")
            .In("kind", "deploy", "build", "build")
            .NotIn("env", ["staging"])
            .Exists("mflow.io/task")
            .DoesNotExist("legacy")
            .Build();

        Assert.Equal("mflow.io/run=run-42,tier!=cache,kind in (build,deploy),env notin (staging),mflow.io/task,!legacy", selector);
    }

    [Fact]
    public void Should_build_an_equality_selector_from_labels_in_key_order()
    {
        var selector = LabelSelectorBuilder.FromLabels(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });

        Assert.Equal("a=1,b=2", selector.ToString());
    }

    [Fact]
    public void Should_be_empty_without_requirements()
    {
        var builder = new LabelSelectorBuilder();

        Assert.True(builder.IsEmpty);
        Assert.Equal("", builder.Build());
    }

    [Fact]
    public void Should_allow_an_empty_value_for_equality()
    {
        Assert.Equal("a=", new LabelSelectorBuilder().Equal("a", "").Build());
    }

    [Theory]
    [InlineData("app,evil", "x")]
    [InlineData("app", "x,y=z")]
    [InlineData("app", "a b")]
    [InlineData("app", "(x)")]
    [InlineData("-app", "x")]
    [InlineData("Bad_Prefix/app", "x")]
    [InlineData("", "x")]
    public void Should_reject_keys_and_values_that_could_change_its_meaning(string key, string value)
    {
        Assert.Throws<ArgumentException>(() => new LabelSelectorBuilder().Equal(key, value));
    }

    [Fact]
    public void Should_reject_a_set_requirement_without_values()
    {
        Assert.Throws<ArgumentException>(() => new LabelSelectorBuilder().In("a", []));
    }
}
