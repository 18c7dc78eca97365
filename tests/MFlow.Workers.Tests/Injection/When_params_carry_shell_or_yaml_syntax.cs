using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Kubernetes.Naming;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Injection;

/// <summary>
/// Issue 3, acceptance 5: params with shell metacharacters, newlines, quotes or YAML syntax reach
/// kaniko, git, kubectl and Ansible as literal values. Every tool runs from argv (no shell); a value
/// is one argv element or one env value, exactly as given; the Job's structure is the same as with a
/// harmless value; what a tool could read as a flag is refused.
/// </summary>
public class When_params_carry_shell_or_yaml_syntax
{
    static readonly string[] Shells = ["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"];

    public static TheoryData<string> All => Payloads.Data();

    // An empty value means "absent" (the default, or the invalid-params table): nothing to inject.
    public static TheoryData<string> NonEmpty => [.. Payloads.All.Where(payload => payload.Length > 0)];

    public static TheoryData<string, string> PerKind => Payloads.PerKind();

    [Theory]
    [MemberData(nameof(PerKind))]
    public void Should_run_no_built_in_tool_through_a_shell(string kind, string payload)
    {
        var harmless = Manifests.JobFor(WithFreeParam(Commands.ByName(kind), "harmless"));
        var hostile = Manifests.JobFor(WithFreeParam(Commands.ByName(kind), payload));

        Assert.All(hostile.AllContainers(), container =>
        {
            var executable = container.Command is { Count: > 0 } command ? Path.GetFileName(command[0]) : null;
            Assert.DoesNotContain(executable, Shells);
        });
        // A param that is not the tool's own never reaches a command line at all.
        Assert.Equal(harmless.AllContainers().Select(c => c.Argv()), hostile.AllContainers().Select(c => c.Argv()));
    }

    [Theory]
    [MemberData(nameof(PerKind))]
    public void Should_hand_a_param_to_every_container_as_one_literal_env_value(string kind, string payload)
    {
        var job = Manifests.JobFor(WithFreeParam(Commands.ByName(kind), payload));

        Assert.All(job.AllContainers(), container => Assert.Equal(payload, container.Env("RELEASE_NOTES")));
    }

    [Theory]
    [MemberData(nameof(PerKind))]
    public void Should_leave_the_jobs_structure_as_with_a_harmless_value(string kind, string payload)
    {
        var harmless = Manifests.JobFor(WithFreeParam(Commands.ByName(kind), "harmless")).ToJson();
        var hostile = Manifests.JobFor(WithFreeParam(Commands.ByName(kind), payload)).ToJson();

        // Same fields at the same places: nothing was added, removed or moved (hostNetwork, privileged, a command...).
        Assert.Equal(Manifests.Paths(harmless), Manifests.Paths(hostile));
        var keys = Manifests.Keys(hostile);
        Assert.DoesNotContain("hostNetwork", keys);
        Assert.DoesNotContain("hostPID", keys);
        Assert.DoesNotContain("privileged", keys);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Should_give_kaniko_a_build_arg_and_a_label_as_one_argv_element_each(string payload)
    {
        var command = Commands.Build(("BUILD_ARGS", $"NOTES={payload}"), ("IMAGE_LABELS", $"org.example.notes={payload}"));
        if (payload.Contains('\n'))
        {
            // One KEY=value per line: a line that is not one is refused rather than guessed at.
            Assert.Equal("BUILD_ARGS", Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
            return;
        }

        var kaniko = Manifests.JobFor(command).MainContainer();
        var harmless = Manifests.JobFor(Commands.Build(("BUILD_ARGS", "NOTES=x"), ("IMAGE_LABELS", "org.example.notes=x"))).MainContainer();

        Assert.Single(kaniko.Argv(), a => a == $"--build-arg=NOTES={payload.TrimEnd('\r')}");
        Assert.Single(kaniko.Argv(), a => a == $"--label=org.example.notes={payload.TrimEnd('\r')}");
        Assert.Equal(harmless.Args!.Count, kaniko.Args!.Count);
    }

    [Theory]
    [MemberData(nameof(NonEmpty))]
    public void Should_give_git_the_repository_url_as_one_argv_element_after_the_end_of_options(string payload)
    {
        var command = Commands.Build(("GIT_URL", payload));
        if (payload.StartsWith('-') || payload.Any(char.IsControl))
        {
            Assert.Equal("GIT_URL", Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
            return;
        }

        var clone = Manifests.JobFor(command).Container("clone");

        Assert.Equal(["git", "clone", "--single-branch", "--depth=1", "--branch=main", "--", payload, "/workspace"], clone.Argv());
    }

    [Theory]
    [MemberData(nameof(NonEmpty))]
    public void Should_give_git_a_branch_as_part_of_one_option_or_refuse_it(string payload)
    {
        var command = Commands.Build(("GIT_REF", payload));
        if (payload.StartsWith('-') || payload.Any(char.IsWhiteSpace) || payload.Contains(".."))
        {
            Assert.Equal("GIT_REF", Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
            return;
        }

        Assert.Contains($"--branch={payload}", Manifests.JobFor(command).Container("clone").Argv());
    }

    [Theory]
    [MemberData(nameof(NonEmpty))]
    public void Should_refuse_a_kubectl_argument_that_is_not_a_plain_name(string payload)
    {
        // Everything kubectl receives as an argument is a Kubernetes name, an image reference or a duration.
        var harmless = Manifests.JobFor(Commands.Deploy(("WORKLOAD_NAMESPACE", "staging")));
        foreach (var param in new[] { "IMAGE", "WORKLOAD_NAME", "CONTAINER_NAME", "WORKLOAD_NAMESPACE", "ROLLOUT_TIMEOUT", "WORKLOAD_KIND" })
        {
            var command = Commands.Deploy(("WORKLOAD_NAMESPACE", "staging"), (param, payload));
            if (IsSyntax(payload))
            {
                Assert.Equal(param, Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
                continue;
            }

            if (!KubectlAccepts[param](payload))
            {
                Assert.Equal(param, Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
                continue;
            }

            // A plain token ("null", "true", "1e3") is a legitimate name; it stays inside its argument.
            var job = Manifests.JobFor(command);
            Assert.Equal(harmless.AllContainers().Select(c => c.Argv().Count), job.AllContainers().Select(c => c.Argv().Count));
        }
    }

    [Theory]
    [MemberData(nameof(NonEmpty))]
    public void Should_refuse_an_ansible_option_value_that_is_not_a_plain_pattern(string payload)
    {
        var harmless = Manifests.JobFor(Commands.Vm(("SSH_USER", "deploy"), ("LIMIT", "app"), ("TAGS", "install"))).MainContainer().Args!;
        foreach (var (param, option) in new[] { ("SSH_USER", "--user"), ("LIMIT", "--limit"), ("TAGS", "--tags") })
        {
            var overrides = new List<(string, string?)> { ("SSH_USER", "deploy"), ("LIMIT", "app"), ("TAGS", "install"), (param, payload) };
            var command = Commands.Vm([.. overrides]);
            // "--limit=--x" cannot become an option of its own: a leading '-' is harmless inside "--limit=".
            if (IsSyntax(payload, leadingDashIsSyntax: param == "SSH_USER"))
            {
                Assert.Equal(param, Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
                continue;
            }

            if (!AnsibleAccepts[param](payload))
            {
                Assert.Equal(param, Assert.Throws<TaskParamException>(() => Manifests.For(command)).Param);
                continue;
            }

            // Host patterns have their own syntax ("*", "!", "&", ":"): they stay inside "--limit=...".
            var args = Manifests.JobFor(command).MainContainer().Args!;
            Assert.Equal(harmless.Count, args.Count);
            Assert.Single(args, a => a == $"{option}={payload}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Should_give_ansible_every_value_as_an_unsafe_literal_string(string payload)
    {
        var command = Commands.Vm(("RELEASE_NOTES", payload), ("VERSION", "1.4.0"), ("EMPTY", ""));

        var extraVars = Encoding.UTF8.GetString(Manifests.For(command).Secret!.Data!["extra-vars.yml"]);

        var vars = ExtraVars.Parse(extraVars);
        Assert.Equal(["EMPTY", "RELEASE_NOTES", "VERSION"], vars.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("!unsafe", payload), vars["RELEASE_NOTES"]);
        Assert.Equal(("!unsafe", "1.4.0"), vars["VERSION"]);
        Assert.All(vars.Values, v => Assert.Equal("!unsafe", v.Tag));
    }

    [Theory]
    [InlineData("NOTES: !!python/object/apply:os.system ['id']")]
    [InlineData("a\nhostNetwork")]
    [InlineData("X: 1\nY")]
    [InlineData("{{ x }}")]
    [InlineData("1ST")]
    public void Should_leave_out_of_the_extra_vars_a_param_whose_name_is_not_a_variable_name(string name)
    {
        var extraVars = AnsibleExtraVars(Commands.Vm((name, "value"), ("VERSION", "1.4.0")));

        Assert.Equal(["VERSION"], ExtraVars.Parse(extraVars).Keys);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Should_not_splice_a_param_into_a_custom_containers_shell_script(string payload)
    {
        // A task may run its own `sh -c` script; params reach it as variables, never as script text.
        var command = Commands.Custom(Commands.Build(), "sh", "-c", "echo \"$RELEASE_NOTES\"");
        command = command with { Params = new Dictionary<string, string> { ["RELEASE_NOTES"] = payload } };

        var main = Manifests.JobFor(command).MainContainer();

        Assert.Equal(["sh", "-c", "echo \"$RELEASE_NOTES\""], main.Argv());
        Assert.Equal(payload, main.Env("RELEASE_NOTES"));
    }

    /// <summary>Whitespace, control characters, quotes or shell/template syntax: never part of a name or pattern.</summary>
    // What each tool argument legitimately is (the job definitions' documented forms): a payload
    // that fits must be accepted as given, one that does not must be refused naming its param.
    static readonly Dictionary<string, Func<string, bool>> KubectlAccepts = new()
    {
        ["IMAGE"] = value => Regex.IsMatch(value, @"^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}\z"),
        ["WORKLOAD_NAME"] = KubernetesNames.IsDns1123Subdomain,
        ["CONTAINER_NAME"] = KubernetesNames.IsDns1123Label,
        ["WORKLOAD_NAMESPACE"] = KubernetesNames.IsDns1123Label,
        ["ROLLOUT_TIMEOUT"] = value => Regex.IsMatch(value, "^[0-9]{1,6}[smh]\\z"),
        ["WORKLOAD_KIND"] = value => value.ToLowerInvariant() is "deployment" or "statefulset" or "daemonset",
    };

    static readonly Dictionary<string, Func<string, bool>> AnsibleAccepts = new()
    {
        ["SSH_USER"] = value => Regex.IsMatch(value, "^[a-z_][a-z0-9_.-]{0,31}\\z"),
        ["LIMIT"] = value => Regex.IsMatch(value, @"^[A-Za-z0-9_.*:!&,\[\]-]+\z"),
        ["TAGS"] = value => Regex.IsMatch(value, @"^[A-Za-z0-9_.*:!&,\[\]-]+\z"),
    };

    static bool IsSyntax(string value, bool leadingDashIsSyntax = true) =>
        (leadingDashIsSyntax && value.StartsWith('-'))
        || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > 127 || ";$`|'\"{}()<>#%\\".Contains(c));

    static RunTaskCommand WithFreeParam(RunTaskCommand command, string value) =>
        command with { Params = new Dictionary<string, string>(command.Params) { ["RELEASE_NOTES"] = value, ["DEPLOY_ID"] = value } };

    static string AnsibleExtraVars(RunTaskCommand command) =>
        Encoding.UTF8.GetString(Manifests.For(command).Secret!.Data!["extra-vars.yml"]);
}
