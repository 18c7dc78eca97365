using MFlow.Kubernetes.Naming;

namespace MFlow.Kubernetes.Tests.Naming;

public sealed class When_validating_and_sanitising_names
{
    private static readonly string Long63 = new('a', 63);
    private static readonly string Long64 = new('a', 64);

    [Theory]
    [InlineData("a", true)]
    [InlineData("build-1", true)]
    [InlineData("1build", true)]
    [InlineData("Build", false)]
    [InlineData("-build", false)]
    [InlineData("build-", false)]
    [InlineData("build.1", false)]
    [InlineData("build_1", false)]
    [InlineData("build\n", false)] // .NET's $ would also match before a final newline
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Should_check_dns1123_labels(string? value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsDns1123Label(value));

    [Fact]
    public void Should_limit_dns1123_labels_to_63_characters()
    {
        Assert.True(KubernetesNames.IsDns1123Label(Long63));
        Assert.False(KubernetesNames.IsDns1123Label(Long64));
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a.", false)]
    [InlineData("A.b", false)]
    [InlineData("example.com\n", false)]
    public void Should_check_dns1123_subdomains(string value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsDns1123Subdomain(value));

    [Fact]
    public void Should_limit_dns1123_subdomains_to_253_characters()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 50), 5)); // 254
        Assert.False(KubernetesNames.IsDns1123Subdomain(name));
        Assert.True(KubernetesNames.IsDns1123Subdomain(name[1..]));
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("App_Name.v1", true)]
    [InlineData("mflow.io/run-id", true)]
    [InlineData("mflow.io/", false)]
    [InlineData("/run", false)]
    [InlineData("MFlow.io/run", false)]
    [InlineData("a/b/c", false)]
    [InlineData("_app", false)]
    [InlineData("app-", false)]
    public void Should_check_label_keys(string value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsLabelKey(value));

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_3-rc", true)]
    [InlineData("V", true)]
    [InlineData("-v", false)]
    [InlineData("v/1", false)]
    [InlineData("a b", false)]
    public void Should_check_label_values(string value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsLabelValue(value));

    [Fact]
    public void Should_limit_label_values_to_63_characters()
    {
        Assert.True(KubernetesNames.IsLabelValue(Long63));
        Assert.False(KubernetesNames.IsLabelValue(Long64));
    }

    [Theory]
    [InlineData("config.json", true)]
    [InlineData(".dockerconfigjson", true)]
    [InlineData("SSH_KEY-1", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("..data", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    public void Should_check_secret_and_config_map_data_keys(string value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsDataKey(value));

    [Theory]
    [InlineData("Build Image", "build-image")]
    [InlineData("my_app.v2", "my-app-v2")]
    [InlineData("--Deploy!!  to PROD--", "deploy-to-prod")]
    [InlineData("already-valid", "already-valid")]
    [InlineData("Ünïcode Name", "n-code-name")]
    public void Should_lowercase_replace_invalid_runs_and_trim(string text, string expected) =>
        Assert.Equal(expected, KubernetesNames.ToDns1123Label(text));

    [Fact]
    public void Should_truncate_long_names_with_a_stable_hash_suffix()
    {
        var text = "pipeline-" + new string('x', 80) + "-task-one";
        var other = "pipeline-" + new string('x', 80) + "-task-two";

        var label = KubernetesNames.ToDns1123Label(text);

        Assert.Equal(63, label.Length);
        Assert.True(KubernetesNames.IsDns1123Label(label));
        Assert.Equal(label, KubernetesNames.ToDns1123Label(text));
        Assert.NotEqual(label, KubernetesNames.ToDns1123Label(other));
        Assert.Matches("^pipeline-x+-[0-9a-f]{8}$", label);
    }

    [Fact]
    public void Should_honour_a_smaller_maximum_and_not_end_the_prefix_with_a_dash()
    {
        var label = KubernetesNames.ToDns1123Label("abcdefghij-klmnopqrstuv", maxLength: 20);

        Assert.True(label.Length <= 20);
        Assert.Matches("^abcdefghij-[0-9a-f]{8}$", label);
    }

    [Fact]
    public void Should_fall_back_to_the_hash_when_nothing_usable_is_left()
    {
        var label = KubernetesNames.ToDns1123Label("___");

        Assert.Matches("^[0-9a-f]{8}$", label);
        Assert.NotEqual(label, KubernetesNames.ToDns1123Label("..."));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("a")]
    [InlineData("Z")]
    [InlineData("build#42 for team/α")]
    [InlineData("----x----")]
    [InlineData("https://git.example.com/org/repo.git@main")]
    public void Should_always_produce_a_label_that_RFC_1123_accepts(string text)
    {
        // Checked against the rule as apimachinery's IsDNS1123Label states it, not against KubernetesNames' own check.
        const string rfc1123Label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
        foreach (var label in new[] { KubernetesNames.ToDns1123Label(text), KubernetesNames.ToDns1123Label(text + new string('q', 100)) })
        {
            Assert.Matches(rfc1123Label, label);
            Assert.InRange(label.Length, 1, 63);
        }
    }
}
