using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Tests.Params;

public sealed class When_rendering_a_template
{
    static readonly JobTemplate Template = new()
    {
        Container = new ContainerDocument
        {
            Image = "registry.example.com/app:$(params.TAG)",
            Command = ["printf", "%s\n"],
            Args = ["--message=$(params.MESSAGE)", "--other=$(params.OTHER)"],
            Env = new() { ["WHO"] = "$(params.WHO)", ["PLAIN"] = "no reference" },
            WorkingDir = "src/$(params.DIR)",
        },
        InitContainers = [new ContainerDocument { Name = "prepare", Image = "busybox:1.36", Command = ["echo", "$(params.MESSAGE)"] }],
    };

    // What YAML, Go/Helm templates, shells and MFlow itself would read as syntax if anything re-parsed a value.
    public static TheoryData<string> Payloads => new()
    {
        "x\"\n  hostNetwork: true",
        "'\n- name: evil\n  image: evil",
        "{{ .Values }} {{- toYaml . }}",
        "${HOME} $(whoami) `id`",
        "$(params.OTHER) $(params.MESSAGE) $(tasks.build.outputs.IMAGE)",
        "anchor: &a [1, 2]\nalias: *a\n<<: *a",
        "!!python/object:os.system ['id']",
        "\\u0000 \\n \"\" ''",
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Should_put_the_value_verbatim_into_each_string_naming_it_and_nowhere_else(string payload)
    {
        var values = new Dictionary<string, string> { ["MESSAGE"] = payload, ["OTHER"] = "other", ["TAG"] = "1.0", ["WHO"] = "me", ["DIR"] = "app" };

        var (main, init) = TemplateRenderer.Render(Template, values);

        Assert.Equal("main", main.Name);
        Assert.Equal("registry.example.com/app:1.0", main.Image);
        Assert.Equal(["printf", "%s\n"], main.Command);
        // Escaped for the kubelet's $(VAR) expansion, so the program receives the value as given.
        Assert.Equal(["--message=" + ContainerVariables.Escape(payload), "--other=other"], main.Args);
        Assert.Equal("--message=" + payload, ContainerVariables.Expand(main.Args[0], new Dictionary<string, string> { ["HOME"] = "/root", ["whoami"] = "x" }));
        Assert.Equal(new Dictionary<string, string> { ["WHO"] = "me", ["PLAIN"] = "no reference" }, main.Env);
        Assert.Equal("src/app", main.WorkingDir);
        var prepare = Assert.Single(init);
        Assert.Equal(["echo", ContainerVariables.Escape(payload)], prepare.Command);
    }

    [Fact]
    public void Should_fill_in_one_pass_so_a_value_never_brings_in_another()
    {
        var filled = TemplateRenderer.Fill("$(params.A)-$(params.B)", new Dictionary<string, string> { ["A"] = "$(params.B)", ["B"] = "b" });

        Assert.Equal("$$(params.B)-b", filled);
    }

    [Fact]
    public void Should_fill_a_param_without_a_value_as_empty_and_leave_other_dollar_syntax_alone()
    {
        Assert.Equal("[] $(HOME) ${X} $(params.lower-case)", TemplateRenderer.Fill("[$(params.MISSING)] $(HOME) ${X} $(params.lower-case)", new Dictionary<string, string>()));
    }

    [Fact]
    public void Should_name_every_param_the_template_refers_to()
    {
        Assert.Equal(["DIR", "MESSAGE", "OTHER", "TAG", "WHO"], TemplateRenderer.ReferencedParams(Template).Distinct().Order());
    }
}
