using System.Text.Json;
using MFlow.Cli.Tests.Support;

namespace MFlow.Cli.Tests;

/// <summary>Contexts: <c>mflow login</c> keeps the server and key in ~/.config/mflow/config.yaml (0600); MFLOW_SERVER and MFLOW_KEY override them.</summary>
[Collection(ServedApiCollection.Name)]
public sealed class When_logging_in_with_the_cli(ServedApi api)
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are Unix's
    public async Task Should_save_the_context_readable_by_its_owner_only_and_never_print_the_key()
    {
        using var mflow = new Mflow();

        var login = await mflow.RunAsync("login", "--server", api.Url, "--key", api.AdminKey);
        var contexts = await mflow.RunAsync("context", "list", "-o", "json");
        var runs = await mflow.RunAsync("run", "list");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains($"Logged in to {api.Url}", login.Stdout);
        Assert.True(File.Exists(mflow.ConfigPath), login.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(mflow.ConfigPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(mflow.ConfigPath)!));
        Assert.Contains(api.AdminKey, await File.ReadAllTextAsync(mflow.ConfigPath));
        var context = Assert.Single(JsonDocument.Parse(contexts.Stdout).RootElement.EnumerateArray());
        Assert.Equal(api.Url, context.GetProperty("server").GetString());
        Assert.True(context.GetProperty("current").GetBoolean());
        Assert.True(runs.ExitCode == 0, runs.ToString());
        foreach (var result in new[] { login, contexts, runs })
            Assert.DoesNotContain(api.AdminKey, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Should_keep_no_context_when_the_key_is_refused()
    {
        using var mflow = new Mflow();

        var login = await mflow.RunAsync("login", "--server", api.Url, "--key", "a-wrong-key-0123456789abcdef");

        Assert.True(login.ExitCode == 2, login.ToString());
        Assert.Contains("The API key was not accepted", login.Stderr);
        Assert.False(File.Exists(mflow.ConfigPath));
    }

    [Fact]
    public async Task Should_switch_between_contexts_and_read_a_key_from_standard_input()
    {
        using var mflow = new Mflow();
        var first = await mflow.RunAsync("login", "--server", api.Url, "--key", api.AdminKey, "--name", "first");
        var second = await mflow.RunAsync(["login", "--server", api.Url, "--key-stdin", "--name", "second"], null, api.AdminKey + "\n");

        var afterLogin = await mflow.RunAsync("context", "list");
        var use = await mflow.RunAsync("context", "use", "first");
        var afterUse = await mflow.RunAsync("context", "list");
        var missing = await mflow.RunAsync("context", "use", "third");

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first + "\n" + second);
        Assert.Contains(afterLogin.Lines, l => l.StartsWith('*') && l.Contains("second", StringComparison.Ordinal));
        Assert.True(use.ExitCode == 0, use.ToString());
        Assert.Contains(afterUse.Lines, l => l.StartsWith('*') && l.Contains("first", StringComparison.Ordinal));
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("There is no context 'third'", missing.Stderr);
    }

    [Fact]
    public async Task Should_let_MFLOW_SERVER_and_MFLOW_KEY_override_the_current_context()
    {
        using var mflow = new Mflow();
        Directory.CreateDirectory(Path.GetDirectoryName(mflow.ConfigPath)!);
        // A context whose server is not listening and whose key is wrong.
        await File.WriteAllTextAsync(mflow.ConfigPath,
            "currentContext: stale\ncontexts:\n- name: stale\n  server: http://127.0.0.1:9\n  key: stale-key-0123456789abcdef\n");

        var fromConfig = await mflow.RunAsync("run", "list");
        var serverOnly = await mflow.RunAsync(["run", "list"], new Dictionary<string, string?> { ["MFLOW_SERVER"] = api.Url }, null);
        var both = await mflow.RunAsync(["run", "list", "-o", "json"], new Dictionary<string, string?> { ["MFLOW_SERVER"] = api.Url, ["MFLOW_KEY"] = api.AdminKey }, null);

        Assert.True(fromConfig.ExitCode == 2, fromConfig.ToString());
        Assert.Contains("Cannot reach http://127.0.0.1:9/ (context 'stale')", fromConfig.Stderr);
        Assert.True(serverOnly.ExitCode == 2, serverOnly.ToString());
        Assert.Contains("HTTP 401", serverOnly.Stderr);
        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(both.Stdout).RootElement.ValueKind);
    }
}
