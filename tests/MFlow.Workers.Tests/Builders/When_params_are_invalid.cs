using MFlow.Execution.Kubernetes;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

/// <summary>A param a builder cannot use fails the task before anything is created, naming the param.</summary>
public class When_params_are_invalid
{
    public static TheoryData<string, string, string?> InvalidParams() => new()
    {
        // kind, param, value (null: missing)
        { "build", "GIT_URL", null },
        { "build", "GIT_URL", "--upload-pack=touch /tmp/pwned" },
        { "build", "GIT_URL", "git@github.com:example/shop.git\n--config=core.sshCommand=sh" },
        { "build", "GIT_REF", "-b" },
        { "build", "GIT_REF", "main branch" },
        { "build", "GIT_REF", "main..HEAD" },
        { "build", "GIT_COMMIT", "HEAD~1" },
        { "build", "GIT_COMMIT", "--orphan" },
        { "build", "IMAGE", null },
        { "build", "IMAGE", "--insecure" },
        { "build", "IMAGE", "registry.example.com/app:1.0 --no-push" },
        { "build", "IMAGE_DESTINATIONS", "registry.example.com/app:1.0,--no-push" },
        { "build", "CACHE", "sometimes" },
        { "build", "CACHE_REPO", "-cache" },
        { "build", "BUILD_ARGS", "just text" },
        { "build", "BUILD_ARGS", "=value" },
        { "build", "IMAGE_LABELS", "a b=c" },
        { "build", "DOCKERFILE", "../../etc/passwd" },
        { "build", "DOCKERFILE", "/etc/passwd" },
        { "build", "DOCKERFILE", "--help" },
        { "build", "CONTEXT_SUB_PATH", "/" },
        { "build", "TARGET", "--oci-layout-path=/x" },
        { "build", "REGISTRY_MIRRORS", "-x" },
        { "build", "REGISTRY_SECRET", "Not_A_Name" },
        { "build", "REGISTRY_SECRET_KEY", "config json" },
        { "build", "GIT_SSH_SECRET", "../key" },
        { "build", "GIT_SSH_SECRET_KEY", "id rsa" },
        { "build", "GIT_KNOWN_HOSTS_SECRET_KEY", "../known_hosts" },
        { "build", "WORKSPACE_PVC", "x;y" },
        { "build", "VERBOSITY", "loud" },
        { "build", "SKIP_TLS_VERIFY", "yes" },
        { "deploy", "WORKLOAD_NAME", null },
        { "deploy", "WORKLOAD_NAME", "-n" },
        { "deploy", "WORKLOAD_NAME", "shop;kubectl delete ns prod" },
        { "deploy", "WORKLOAD_KIND", "Pod" },
        { "deploy", "IMAGE", null },
        { "deploy", "IMAGE", "--kubeconfig=/tmp/x" },
        { "deploy", "CONTAINER_NAME", "--all" },
        { "deploy", "WORKLOAD_NAMESPACE", "--all-namespaces" },
        { "deploy", "WORKLOAD_NAMESPACE", "kube system" },
        { "deploy", "ROLLOUT_TIMEOUT", "300s; kubectl delete" },
        { "deploy", "ROLLOUT_TIMEOUT", "forever" },
        { "deploy", "DEPLOY_SERVICE_ACCOUNT", "Cluster-Admin" },
        { "vm", "PLAYBOOK", null },
        { "vm", "INVENTORY", null },
        { "vm", "SSH_USER", "-oProxyCommand=touch /tmp/pwned" },
        { "vm", "SSH_USER", "root; id" },
        { "vm", "LIMIT", "all; id" },
        { "vm", "TAGS", "$(id)" },
        { "vm", "VERBOSITY", "9" },
        { "vm", "HOST_KEY_CHECKING", "sometimes" },
        { "vm", "CHECK", "maybe" },
        { "vm", "SSH_SECRET", "Bad Name" },
        { "vm", "SSH_SECRET_KEY", "a/b" },
        { "vm", "PLAYBOOK_CONFIGMAP", "-x" },
    };

    [Theory]
    [MemberData(nameof(InvalidParams))]
    public void Should_refuse_the_task_naming_the_param(string kind, string param, string? value)
    {
        // Some params are read only alongside another (a key within a Secret that is named).
        (string, string?)[] companions = param switch
        {
            "SSH_SECRET_KEY" => [("SSH_SECRET", "vm-ssh-key")],
            "GIT_SSH_SECRET_KEY" => [("GIT_SSH_SECRET", "git-ssh-key"), ("GIT_STRICT_HOST_KEY_CHECKING", "false")],
            "GIT_KNOWN_HOSTS_SECRET_KEY" => [("GIT_SSH_SECRET", "git-ssh-key"), ("GIT_KNOWN_HOSTS_SECRET", "git-known-hosts")],
            _ => [],
        };
        var command = Commands.ByName(kind, [.. companions, (param, value)]);

        var error = Assert.Throws<TaskParamException>(() => Manifests.For(command));

        Assert.Equal(param, error.Param);
        Assert.StartsWith($"Param {param}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_custom_container_without_an_image()
    {
        var command = Commands.Custom(Commands.Deploy());
        command = command with { Container = command.Container! with { Image = " " } };

        var error = Assert.Throws<TaskParamException>(() => Manifests.For(command));

        Assert.Equal("container.image", error.Param);
    }

    [Fact]
    public void Should_not_echo_control_characters_of_a_refused_value()
    {
        var error = Assert.Throws<TaskParamException>(() => Manifests.For(Commands.Build(("GIT_REF", "-x\n\u001b[31mred"))));

        Assert.DoesNotContain(error.Message, char.IsControl);
    }

    [Fact]
    public void Should_accept_the_build_params_of_the_release_example()
    {
        var command = Commands.Build(
            ("GIT_REF", "main"),
            ("GIT_SSH_SECRET", "git-ssh-key"),
            ("GIT_KNOWN_HOSTS_SECRET", "git-known-hosts"),
            ("IMAGE", null),
            ("IMAGE_DESTINATIONS", "registry.example.com/shop/app:1.4.0,registry.example.com/shop/app:latest"),
            ("CACHE_REPO", "registry.example.com/build-cache/shop"),
            ("BUILD_ARGS", "VERSION=1.4.0\nCOMMIT_MESSAGE=fix: \"quotes\", $(subshells) and ; semicolons stay literal\n"),
            ("REGISTRY_SECRET", "kaniko-secret"));

        var kaniko = Manifests.For(command).Job.MainContainer();

        Assert.Contains("--build-arg=COMMIT_MESSAGE=fix: \"quotes\", $(subshells) and ; semicolons stay literal", kaniko.Argv());
    }
}
