using MFlow.Execution.Kubernetes;
using MFlow.Workers.Build.Jobs;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

public class When_building_a_kaniko_job
{
    const string Digest = "sha256:3f2a8c0e5b1d4f6a7c9e0b2d4f6a8c0e1b3d5f7a9c0e2b4d6f8a0c1e3b5d7f9a";

    [Fact]
    public void Should_clone_the_branch_in_one_init_container()
    {
        var job = Manifests.JobFor(Commands.Build(("GIT_REF", "release/1.4")));

        var clone = Assert.Single(job.Pod().InitContainers!);
        Assert.Equal("clone", clone.Name);
        Assert.Equal(
            ["git", "clone", "--single-branch", "--depth=1", "--branch=release/1.4", "--", "git@github.com:example/shop.git", "/workspace"],
            clone.Argv());
    }

    [Fact]
    public void Should_clone_then_check_out_a_commit_in_two_init_containers()
    {
        var job = Manifests.JobFor(Commands.Build(("GIT_COMMIT", "9fceb02d0ae598e95dc970b74767f19372d61af8")));

        Assert.Collection(
            job.Pod().InitContainers!,
            clone => Assert.Equal(["git", "clone", "--no-checkout", "--", "git@github.com:example/shop.git", "/workspace"], clone.Argv()),
            checkout => Assert.Equal(["git", "-C", "/workspace", "checkout", "--detach", "9fceb02d0ae598e95dc970b74767f19372d61af8"], checkout.Argv()));
    }

    public static TheoryData<string, (string, string?)[], string[], string[]> KanikoFlags() => new()
    {
        {
            "defaults", [],
            ["--context=dir:///workspace", "--dockerfile=Dockerfile", $"--destination={Commands.Image}", "--cache=true", "--digest-file=/dev/termination-log", "--verbosity=info"],
            ["--cache-repo", "--build-arg", "--label", "--skip-tls-verify"]
        },
        {
            "one destination per entry", [("IMAGE", null), ("IMAGE_DESTINATIONS", "registry.example.com/shop/app:1.4.0,registry.example.com/shop/app:latest\nmirror.example.org/shop:1.4.0")],
            ["--destination=registry.example.com/shop/app:1.4.0", "--destination=registry.example.com/shop/app:latest", "--destination=mirror.example.org/shop:1.4.0"],
            []
        },
        {
            "layer cache in a repository", [("CACHE_REPO", "registry.example.com/build-cache/shop")],
            ["--cache=true", "--cache-repo=registry.example.com/build-cache/shop"],
            []
        },
        {
            "cache off", [("CACHE", "false"), ("CACHE_REPO", "registry.example.com/build-cache/shop")],
            ["--cache=false"],
            ["--cache-repo"]
        },
        {
            "build args and labels, one flag each", [("BUILD_ARGS", "VERSION=1.4.0\nCOMMIT_MESSAGE=fix: a=b, c"), ("IMAGE_LABELS", "org.opencontainers.image.source=https://github.com/example/shop")],
            ["--build-arg=VERSION=1.4.0", "--build-arg=COMMIT_MESSAGE=fix: a=b, c", "--label=org.opencontainers.image.source=https://github.com/example/shop"],
            []
        },
        {
            "dockerfile and context in a sub-directory", [("DOCKERFILE", "build/Dockerfile.release"), ("CONTEXT_SUB_PATH", "src/app")],
            ["--context-sub-path=src/app", "--dockerfile=build/Dockerfile.release"],
            []
        },
        {
            "target stage, mirrors, insecure registries", [("TARGET", "runtime"), ("REGISTRY_MIRRORS", "mirror.gcr.io"), ("INSECURE_REGISTRIES", "registry.local:5000"), ("SKIP_TLS_VERIFY", "true"), ("REPRODUCIBLE", "true"), ("VERBOSITY", "debug")],
            ["--target=runtime", "--registry-mirror=mirror.gcr.io", "--insecure-registry=registry.local:5000", "--skip-tls-verify", "--reproducible", "--verbosity=debug"],
            []
        },
    };

    [Theory]
    [MemberData(nameof(KanikoFlags))]
    public void Should_pass_kaniko_its_flags(string @case, (string, string?)[] overrides, string[] expected, string[] absentPrefixes)
    {
        var kaniko = Manifests.JobFor(Commands.Build(overrides)).MainContainer();

        Assert.Equal("kaniko", kaniko.Name);
        Assert.Equal("gcr.io/kaniko-project/executor:v1.23.2", kaniko.Image);
        Assert.Null(kaniko.Command); // the image's own entrypoint, /kaniko/executor: no shell
        foreach (var flag in expected)
            Assert.True(kaniko.Args!.Contains(flag), $"{@case}: expected {flag} in {string.Join(' ', kaniko.Args!)}");
        foreach (var prefix in absentPrefixes)
            Assert.DoesNotContain(kaniko.Args!, a => a.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Equal("--digest-file=/dev/termination-log", kaniko.Args!.Single(a => a.StartsWith("--digest-file", StringComparison.Ordinal)));
    }

    [Fact]
    public void Should_mount_the_registry_config_json_by_sub_path()
    {
        var job = Manifests.JobFor(Commands.Build(("REGISTRY_SECRET", "shop-registry"), ("REGISTRY_SECRET_KEY", ".dockerconfigjson")));

        var volume = job.Volume("registry-credentials");
        Assert.Equal("shop-registry", volume.Secret!.SecretName);
        var item = Assert.Single(volume.Secret.Items!);
        Assert.Equal((".dockerconfigjson", "config.json"), (item.Key, item.Path));
        var mount = Assert.Single(job.MainContainer().VolumeMounts!, m => m.Name == "registry-credentials");
        Assert.Equal(("/kaniko/.docker/config.json", "config.json", true), (mount.MountPath, mount.SubPath, mount.ReadOnlyProperty));
    }

    [Fact]
    public void Should_default_to_the_kaniko_secret_of_the_seeds()
    {
        var volume = Manifests.JobFor(Commands.Build()).Volume("registry-credentials");

        Assert.Equal("kaniko-secret", volume.Secret!.SecretName);
        Assert.Equal("config.json", Assert.Single(volume.Secret.Items!).Key);
    }

    [Fact]
    public void Should_clone_over_ssh_with_the_key_and_known_hosts_from_secrets()
    {
        var job = Manifests.JobFor(Commands.Build(("GIT_SSH_SECRET", "git-ssh-key"), ("GIT_KNOWN_HOSTS_SECRET", "git-known-hosts")));

        var key = job.Volume("git-ssh-key").Secret!;
        Assert.Equal("git-ssh-key", key.SecretName);
        Assert.Equal(("id_rsa", "id"), (key.Items![0].Key, key.Items[0].Path));
        Assert.Equal(0x120, key.DefaultMode); // 0440: readable by the clone's group only
        Assert.Equal("git-known-hosts", job.Volume("git-known-hosts").Secret!.SecretName);

        var clone = job.Container("clone");
        Assert.Contains(clone.VolumeMounts!, m => m is { Name: "git-ssh-key", MountPath: "/etc/mflow/git-ssh", ReadOnlyProperty: true });
        Assert.Contains(clone.VolumeMounts!, m => m is { Name: "git-known-hosts", MountPath: "/etc/mflow/git-known-hosts", ReadOnlyProperty: true });
        var ssh = clone.Env("GIT_SSH_COMMAND")!;
        Assert.Contains("-i /etc/mflow/git-ssh/id", ssh, StringComparison.Ordinal);
        Assert.Contains("-o UserKnownHostsFile=/etc/mflow/git-known-hosts/known_hosts", ssh, StringComparison.Ordinal);
        Assert.Contains("-o StrictHostKeyChecking=yes", ssh, StringComparison.Ordinal);
        Assert.DoesNotContain(job.MainContainer().VolumeMounts!, m => m.Name == "git-ssh-key"); // kaniko never sees the key
    }

    [Fact]
    public void Should_turn_host_key_checking_off_only_when_asked_to()
    {
        var job = Manifests.JobFor(Commands.Build(("GIT_SSH_SECRET", "git-ssh-key"), ("GIT_STRICT_HOST_KEY_CHECKING", "false")));

        var ssh = job.Container("clone").Env("GIT_SSH_COMMAND")!;
        Assert.Contains("-o StrictHostKeyChecking=no", ssh, StringComparison.Ordinal);
        Assert.DoesNotContain(job.Pod().Volumes!, v => v.Name == "git-known-hosts");
    }

    [Fact]
    public void Should_refuse_an_ssh_clone_that_would_trust_any_host_silently()
    {
        var error = Assert.Throws<TaskParamException>(() => Manifests.JobFor(Commands.Build(("GIT_SSH_SECRET", "git-ssh-key"))));

        Assert.Equal("GIT_KNOWN_HOSTS_SECRET", error.Param);
        Assert.Contains("GIT_STRICT_HOST_KEY_CHECKING=false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_work_in_a_persistent_volume_claim_when_asked_to()
    {
        var job = Manifests.JobFor(Commands.Build(("WORKSPACE_PVC", "shop-build-cache")));

        Assert.Equal("shop-build-cache", job.Volume("workspace").PersistentVolumeClaim!.ClaimName);
        Assert.Null(job.Volume("workspace").EmptyDir);
    }

    [Fact]
    public void Should_build_without_a_privileged_pod()
    {
        var job = Manifests.JobFor(Commands.Build(("GIT_SSH_SECRET", "git-ssh-key"), ("GIT_STRICT_HOST_KEY_CHECKING", "false")));

        // kaniko must be root to unpack images, but gains nothing beyond that.
        var kaniko = job.MainContainer().SecurityContext!;
        Assert.NotEqual(true, kaniko.Privileged);
        Assert.False(kaniko.AllowPrivilegeEscalation);
        Assert.Equal("RuntimeDefault", kaniko.SeccompProfile!.Type);
        // The clone, which handles the SSH key, runs as an unprivileged user with no capabilities.
        var clone = job.Container("clone").SecurityContext!;
        Assert.True(clone.RunAsNonRoot);
        Assert.NotEqual(0, clone.RunAsUser);
        Assert.Equal(["ALL"], clone.Capabilities!.Drop!);
    }

    [Fact]
    public void Should_read_the_digest_from_the_termination_message_as_outputs()
    {
        var builder = new KanikoJobBuilder();
        var job = Manifests.JobFor(Commands.Build(("IMAGE", null), ("IMAGE_DESTINATIONS", "registry.example.com/shop/app:1.4.0,registry.example.com/shop/app:latest")));

        var outputs = builder.ReadOutputs(job, Digest + "\n");

        Assert.Equal(Digest, outputs["IMAGE_DIGEST"]);
        Assert.Equal($"registry.example.com/shop/app:1.4.0@{Digest}", outputs["IMAGE"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256:abc")]
    [InlineData("IMAGE_DIGEST=sha256:0000")]
    public void Should_give_no_outputs_without_a_digest(string? terminationMessage)
    {
        var job = Manifests.JobFor(Commands.Build());

        Assert.Empty(new KanikoJobBuilder().ReadOutputs(job, terminationMessage));
    }
}
