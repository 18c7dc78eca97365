using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;
using MFlow.Workers.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MFlow.Workers.Tests.Render;

/// <summary>
/// Issue 3, acceptance 4: <c>render</c> on the examples writes manifests that an API server validating
/// like kube-apiserver accepts as batch/v1 Jobs, v1 Secrets and ConfigMaps, with no secret value in them.
/// </summary>
public sealed class When_rendering_the_examples : IAsyncLifetime
{
    readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("mflow-render-");
    FakeKubernetesServer _server = null!;

    /// <summary>Every example pipeline, with how many tasks it has.</summary>
    public static TheoryData<string, int> Examples()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Directory.GetFiles(RepositoryPaths.Combine("examples", "pipelines"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = File.OpenText(file))
                stream.Load(reader);
            // The main stages' tasks and the finally stages': every one is a Job.
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            var stages = ((YamlSequenceNode)root["stages"]).Concat(root.Children.TryGetValue("finally", out var last) ? (YamlSequenceNode)last : []);
            data.Add(Path.GetFileName(file), stages.Sum(stage => ((YamlSequenceNode)((YamlMappingNode)stage)["tasks"]).Children.Count));
        }

        return data;
    }

    public async Task InitializeAsync() => _server = await FakeKubernetesServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _output.Delete(recursive: true);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Should_write_objects_the_api_server_accepts(string example, int tasks)
    {
        var files = await RenderAsync(example);

        Assert.Equal(tasks, files.Count(f => f.EndsWith(".job.yaml", StringComparison.Ordinal)));
        using var client = ManifestFiles.ClientFor(_server);
        foreach (var file in files)
        {
            var manifest = ManifestFiles.Read(file);
            var (status, body) = await ManifestFiles.CreateAsync(client, manifest);
            Assert.True(status == 201, $"{Path.GetFileName(file)} was refused with {status}: {body}");
        }

        var jobs = _server.List("jobs");
        Assert.Equal(tasks, jobs.Count);
        Assert.All(jobs, job => Assert.Equal("batch/v1", job["apiVersion"]!.GetValue<string>()));
        Assert.Empty(_server.ControllerErrors);
    }

    [Fact]
    public async Task Should_write_the_release_examples_three_kinds_with_their_secret_and_config_map()
    {
        var files = await RenderAsync("release.yaml");

        var names = files.Select(f => Path.GetRelativePath(_output.FullName, f)).ToList();
        Assert.Contains("01-build/image.job.yaml", names);
        Assert.Contains("02-deploy/staging.job.yaml", names);
        Assert.Contains("03-vms/legacy-hosts.job.yaml", names);
        Assert.Contains("03-vms/legacy-hosts.configmap.yaml", names);
        Assert.Contains("03-vms/legacy-hosts.secret.yaml", names);
        var kaniko = ManifestFiles.Read(files.Single(f => f.EndsWith("image.job.yaml", StringComparison.Ordinal)))["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Contains("--build-arg=COMMIT_MESSAGE=fix: \"quotes\", $(subshells) and ; semicolons stay literal", kaniko["args"]!.AsArray().Select(a => Manifests.Received(a!.GetValue<string>())));

        // The playbook survives YAML out and JSON in, byte for byte.
        using var client = ManifestFiles.ClientFor(_server);
        var configMap = ManifestFiles.Read(files.Single(f => f.EndsWith(".configmap.yaml", StringComparison.Ordinal)));
        Assert.Equal(201, (await ManifestFiles.CreateAsync(client, configMap)).Status);
        var stored = _server.GetObject("configmaps", "mflow-tasks", configMap["metadata"]!["name"]!.GetValue<string>())!;
        Assert.StartsWith("- hosts: app\n  tasks:\n    - name: Install the release\n", stored["data"]!["playbook.yml"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("[app]\nvm-1.example.com\nvm-2.example.com\n", stored["data"]!["inventory"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_redact_every_secret_value()
    {
        var files = await RenderAsync("release.yaml");

        var secretFiles = files.Where(f => f.EndsWith(".secret.yaml", StringComparison.Ordinal)).ToList();
        Assert.Contains(secretFiles, f => f.EndsWith("legacy-hosts.secret.yaml", StringComparison.Ordinal));
        foreach (var secretFile in secretFiles)
        {
            var secret = ManifestFiles.Read(secretFile);
            Assert.Null(secret["data"]);
            Assert.All(secret["stringData"]!.AsObject(), v => Assert.Matches("^<redacted: [0-9]+ bytes>$", v.Value!.GetValue<string>()));
        }

        Assert.Contains("extra-vars.yml", ManifestFiles.Read(secretFiles.Single(f => f.EndsWith("legacy-hosts.secret.yaml", StringComparison.Ordinal)))["stringData"]!.AsObject().Select(v => v.Key));
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            // What the extra-vars file holds (the vm task's params as "NAME: !unsafe ...") is nowhere in clear.
            Assert.DoesNotContain("!unsafe", text, StringComparison.Ordinal);
            Assert.DoesNotContain("VERSION: ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Should_keep_an_inline_kubeconfig_and_the_update_token_out_of_the_files()
    {
        const string marker = "kubeconfig-s3cr3t-token-4b1d";
        var pipeline = Path.Combine(_output.FullName, "inline-kubeconfig.yaml");
        await File.WriteAllTextAsync(pipeline, $$$"""
            name: inline-kubeconfig
            stages:
              - name: deploy
                tasks:
                  - name: prod
                    job: kubectl@mflow.builtin:v1
                    params:
                      WORKLOAD_NAME: shop
                      IMAGE: registry.example.com/shop/app:1.4.0
                      KUBECONFIG: |
                        apiVersion: v1
                        kind: Config
                        current-context: prod
                        clusters: [{name: prod, cluster: {server: "https://prod.example.com:6443"}}]
                        contexts: [{name: prod, context: {cluster: prod, user: deployer}}]
                        users: [{name: deployer, user: {token: {{{marker}}} }}]
            """);

        var files = await RenderAsync(pipeline, "inline");

        var secret = ManifestFiles.Read(Assert.Single(files, f => f.EndsWith(".secret.yaml", StringComparison.Ordinal)));
        Assert.Equal(["kubeconfig", "update-token"], secret["stringData"]!.AsObject().Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.All(secret["stringData"]!.AsObject(), v => Assert.Matches("^<redacted: [0-9]+ bytes>$", v.Value!.GetValue<string>()));
        foreach (var file in files)
            Assert.DoesNotContain(marker, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        var job = ManifestFiles.Read(Assert.Single(files, f => f.EndsWith(".job.yaml", StringComparison.Ordinal)));
        Assert.Contains("mflow-kubeconfig", job["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
        using var client = ManifestFiles.ClientFor(_server);
        foreach (var file in files)
            Assert.Equal(201, (await ManifestFiles.CreateAsync(client, ManifestFiles.Read(file))).Status);
    }

    [Fact]
    public async Task Should_render_the_same_manifests_twice()
    {
        var first = await RenderAsync("release.yaml", "first");
        var second = await RenderAsync("release.yaml", "second");

        Assert.NotEmpty(first);
        Assert.Equal(
            await Task.WhenAll(first.Select(f => File.ReadAllTextAsync(f))),
            await Task.WhenAll(second.Select(f => File.ReadAllTextAsync(f))));
    }

    async Task<IReadOnlyList<string>> RenderAsync(string example, string? subdirectory = null)
    {
        var directory = Path.Combine(_output.FullName, subdirectory ?? "");
        var pipeline = Path.IsPathRooted(example) ? example : RepositoryPaths.Combine("examples", "pipelines", example);
        var (exitCode, console) = await StandaloneCommand.RunAsync("render", pipeline, "--out", directory, "--jobs", RepositoryPaths.Combine("examples", "jobs"));
        Assert.True(exitCode == 0, $"render {example} exited with {exitCode}:\n{console}");
        return Directory.GetFiles(directory, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
    }
}
