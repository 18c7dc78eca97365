using System.Text.Json;
using MFlow.Cli.Tests.Support;
using MFlow.Testing;
using YamlDotNet.RepresentationModel;

namespace MFlow.Cli.Tests;

/// <summary>Definitions, clusters and keys through the CLI, in every output format.</summary>
[Collection(ServedApiCollection.Name)]
public sealed class When_managing_resources_with_the_cli(ServedApi api)
{
    [Fact]
    public async Task Should_show_a_key_secret_once_and_never_list_it()
    {
        using var admin = api.Cli();
        var name = $"cli-viewer-{Guid.NewGuid():N}"[..24];

        var created = await admin.RunAsync("key", "create", name, "--role", "viewer", "-o", "json");
        var secret = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("secret").GetString()!;
        var listed = await admin.RunAsync("key", "list", "-o", "yaml");
        using var viewer = api.Cli(key: secret);
        var read = await viewer.RunAsync("run", "list");
        var refused = await viewer.RunAsync("key", "list");
        var revoked = await admin.RunAsync("key", "rm", name);
        var afterRevoke = await viewer.RunAsync("run", "list");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain(secret, listed.Stdout);
        var keys = (YamlSequenceNode)Yaml(listed.Stdout);
        Assert.Contains(keys.Children.Cast<YamlMappingNode>(), k => ((YamlScalarNode)k["name"]).Value == name && ((YamlScalarNode)k["role"]).Value == "viewer");
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("HTTP 403", refused.Stderr);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.True(afterRevoke.ExitCode == 2, afterRevoke.ToString());
        Assert.Contains("HTTP 401", afterRevoke.Stderr);
    }

    [Fact]
    public async Task Should_print_the_secret_in_the_table_output_of_key_create_only()
    {
        using var admin = api.Cli();
        var name = $"cli-table-{Guid.NewGuid():N}"[..24];

        var created = await admin.RunAsync("key", "create", name, "--role", "operator");
        var listed = await admin.RunAsync("key", "list");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("Its secret is shown this once", created.Stdout);
        var secret = created.Lines[1];
        Assert.True(secret.Length >= 20, created.ToString());
        Assert.Contains(name, listed.Stdout);
        Assert.DoesNotContain(secret, listed.Stdout);
    }

    [Fact]
    public async Task Should_apply_update_publish_and_deprecate_a_job()
    {
        using var admin = api.Cli();
        var version = $"v{Guid.NewGuid():N}"[..12];
        var file = Path.Combine(Path.GetTempPath(), $"mflow-cli-job-{version}.yaml");
        var job = (await File.ReadAllTextAsync(RepositoryPaths.Combine("examples", "jobs", "greet.yaml")))
            .Replace("namespace: mflow", "namespace: cli-tests", StringComparison.Ordinal).Replace("version: v1", $"version: {version}", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, job);
        var name = $"greet@cli-tests.examples:{version}";
        try
        {
            var created = await admin.RunAsync("job", "apply", "-f", file);
            await File.WriteAllTextAsync(file, job.Replace("Print a greeting", "Print a kind greeting", StringComparison.Ordinal));
            var updated = await admin.RunAsync("job", "apply", "-f", file, "-o", "json");
            var published = await admin.RunAsync("job", "publish", name);
            var immutable = await admin.RunAsync("job", "apply", "-f", file);
            var listed = await admin.RunAsync("job", "list", "--namespace", "cli-tests", "--stage", "published");
            var deprecated = await admin.RunAsync("job", "deprecate", name, "--reason", "replaced");
            var shown = await admin.RunAsync("job", "get", name, "-o", "yaml");

            Assert.True(created.ExitCode == 0, created.ToString());
            Assert.Contains($"job {name} created (draft", created.Stdout);
            Assert.True(updated.ExitCode == 0, updated.ToString());
            Assert.Equal("draft", JsonDocument.Parse(updated.Stdout).RootElement.GetProperty("stage").GetString());
            Assert.True(published.ExitCode == 0, published.ToString());
            Assert.Contains($"job {name} is published.", published.Stdout);
            Assert.True(immutable.ExitCode == 2, immutable.ToString());
            Assert.Contains("HTTP 409", immutable.Stderr);
            Assert.Contains(listed.Lines, l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains("published", StringComparison.Ordinal));
            Assert.True(deprecated.ExitCode == 0, deprecated.ToString());
            var definition = (YamlMappingNode)Yaml(shown.Stdout);
            Assert.Equal("deprecated", ((YamlScalarNode)definition["stage"]).Value);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Should_register_list_and_remove_a_cluster_without_showing_its_kubeconfig()
    {
        using var admin = api.Cli();
        var id = $"cli-{Guid.NewGuid():N}"[..16];
        const string token = "cli-cluster-token-9f3e1a";
        var kubeconfig = $$"""
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters: [{ name: prod, cluster: { server: "https://prod.example.com:6443" } }]
            contexts: [{ name: prod, context: { cluster: prod, user: deployer } }]
            users: [{ name: deployer, user: { token: {{token}} } }]
            """;

        var added = await admin.RunAsync(["cluster", "add", id, "--kubeconfig", "-", "--description", "made by the CLI tests"], null, kubeconfig);
        var listed = await admin.RunAsync("cluster", "list");
        var listedJson = await admin.RunAsync("cluster", "list", "-o", "json");
        var removed = await admin.RunAsync("cluster", "rm", id);
        var again = await admin.RunAsync("cluster", "rm", id);

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Contains(listed.Lines, l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("made by the CLI tests", StringComparison.Ordinal));
        Assert.Contains(JsonDocument.Parse(listedJson.Stdout).RootElement.EnumerateArray(), c => c.GetProperty("id").GetString() == id);
        foreach (var result in new[] { added, listed, listedJson })
            Assert.DoesNotContain(token, result.Stdout + result.Stderr);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.True(again.ExitCode == 2, again.ToString());
        Assert.Contains("HTTP 404", again.Stderr);
    }

    static YamlNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0].RootNode;
    }
}
