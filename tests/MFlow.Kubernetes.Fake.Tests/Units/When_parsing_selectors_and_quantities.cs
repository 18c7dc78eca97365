using MFlow.Kubernetes.Fake.Store;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Tests.Units;

public sealed class When_parsing_selectors_and_quantities
{
    private static readonly Dictionary<string, string> _labels = new()
    {
        ["app"] = "mflow",
        ["tier"] = "worker",
        ["attempt"] = "3",
        ["example.com/owner"] = "team-a",
    };

    [Theory]
    [InlineData("app=mflow", true)]
    [InlineData("app = mflow", true)]
    [InlineData("app==mflow,tier=worker", true)]
    [InlineData("app!=mflow", false)]
    [InlineData("missing!=x", true)]
    [InlineData("tier in (worker,scheduler)", true)]
    [InlineData("tier notin (worker)", false)]
    [InlineData("missing notin (worker)", true)]
    [InlineData("example.com/owner", true)]
    [InlineData("!example.com/owner", false)]
    [InlineData("attempt>2", true)]
    [InlineData("attempt<3", false)]
    [InlineData("app=", false)]
    [InlineData("", true)]
    public void Should_match_label_selectors_like_the_apiserver(string selector, bool matches)
    {
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(_labels));
    }

    [Theory]
    [InlineData("app in (a")]
    [InlineData("app in ()")]
    [InlineData("=x")]
    [InlineData("app=bad value!")]
    [InlineData("bad key!=x")]
    [InlineData("app=a,")]
    public void Should_refuse_malformed_label_selectors(string selector)
    {
        Assert.Throws<FormatException>(() => LabelSelector.Parse(selector));
    }

    [Theory]
    [InlineData("metadata.name=build-1", true)]
    [InlineData("metadata.name==build-1", true)]
    [InlineData("metadata.name!=build-1", false)]
    [InlineData("metadata.name=build-1,status.phase=Running", true)]
    [InlineData("status.phase=Succeeded", false)]
    public void Should_match_field_selectors(string selector, bool matches)
    {
        var fields = new Dictionary<string, string> { ["metadata.name"] = "build-1", ["status.phase"] = "Running" };

        Assert.Equal(matches, FieldSelector.Parse(selector).Matches(fields));
    }

    [Theory]
    [InlineData("100m", 0.1)]
    [InlineData("128Mi", 134217728)]
    [InlineData("1Gi", 1073741824)]
    [InlineData("0.5", 0.5)]
    [InlineData("1k", 1000)]
    [InlineData("1e3", 1000)]
    [InlineData("+2", 2)]
    [InlineData(".5", 0.5)]
    public void Should_parse_quantities(string text, double expected)
    {
        Assert.True(Quantity.TryParse(text, out var value));
        Assert.Equal(expected, value, 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("1.2.3")]
    [InlineData("1 Gi")]
    [InlineData("1gi")]
    [InlineData("1Ki\n")]
    public void Should_refuse_malformed_quantities(string text)
    {
        Assert.False(Quantity.TryParse(text, out _));
    }

    [Theory]
    [InlineData("example.com/name", true)]
    [InlineData("name", true)]
    [InlineData("a/b/c", false)]
    [InlineData("/name", false)]
    [InlineData("Example.com/name", false)]
    [InlineData("name-", false)]
    public void Should_check_qualified_names(string key, bool valid)
    {
        Assert.Equal(valid, NameRules.QualifiedName(key).Count == 0);
    }

    [Fact]
    public void Should_cap_label_values_at_63_bytes()
    {
        Assert.Empty(NameRules.LabelValue(new string('a', 63)));
        Assert.Contains("must be no more than 63 bytes", NameRules.LabelValue(new string('a', 64)));
    }
}
