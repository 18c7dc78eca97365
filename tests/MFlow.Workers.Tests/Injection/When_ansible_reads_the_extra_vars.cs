using System.Diagnostics;
using System.Text.Json;
using MFlow.Workers.Tests.Support;
using MFlow.Workers.Vm.Jobs;

namespace MFlow.Workers.Tests.Injection;

/// <summary>
/// The extra-vars file read by the real ansible-playbook (installed with the test servers): a value
/// carrying Jinja (<c>{{ lookup('pipe','id') }}</c>), YAML or shell syntax reaches the playbook as
/// the literal text, untemplated and unevaluated.
/// </summary>
public sealed class When_ansible_reads_the_extra_vars : IDisposable
{
    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mflow-ansible-");

    [Fact]
    public async Task Should_give_the_playbook_every_value_literally()
    {
        var names = Payloads.All.Select((_, i) => $"P{i}").ToList();
        var command = Commands.Vm([.. names.Select((name, i) => (name, (string?)Payloads.All[i]))]);
        var extraVars = Path.Combine(_directory.FullName, "extra-vars.yml");
        await File.WriteAllTextAsync(extraVars, AnsibleJobBuilder.ExtraVars(command));
        // One task writes every variable as the playbook sees it: templating a value would run `id`,
        // reading it as YAML would turn "null" into null and "[1, 2]" into a list.
        var output = Path.Combine(_directory.FullName, "seen.json");
        var playbookPath = Path.Combine(_directory.FullName, "playbook.yml");
        await File.WriteAllTextAsync(playbookPath, $$$"""
            - hosts: localhost
              gather_facts: false
              tasks:
                - ansible.builtin.copy:
                    content: "{{ [{{{string.Join(", ", names)}}}] | to_json }}"
                    dest: "{{{output}}}"
            """);

        var (exitCode, log) = await RunAsync("ansible-playbook", "--inventory", "localhost,", "--connection", "local", "--extra-vars", "@" + extraVars, playbookPath);

        Assert.True(exitCode == 0, $"ansible-playbook exited with {exitCode}:\n{log}");
        var seen = JsonSerializer.Deserialize<JsonElement[]>(await File.ReadAllTextAsync(output))!;
        Assert.Equal(Payloads.All.Count, seen.Length);
        for (var i = 0; i < seen.Length; i++)
        {
            Assert.True(seen[i].ValueKind == JsonValueKind.String, $"{names[i]} ({Show(Payloads.All[i])}) reached the playbook as {seen[i].ValueKind}: {seen[i]}");
            Assert.True(Payloads.All[i] == seen[i].GetString(), $"{names[i]}: expected {Show(Payloads.All[i])}, the playbook got {Show(seen[i].GetString()!)}");
        }

        Assert.DoesNotContain("uid=", log, StringComparison.Ordinal); // lookup('pipe','id') never ran
    }

    async Task<(int ExitCode, string Log)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.FullName,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["HOME"] = _directory.FullName;
        start.Environment["ANSIBLE_LOCAL_TEMP"] = Path.Combine(_directory.FullName, "tmp");
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        start.Environment["ANSIBLE_RETRY_FILES_ENABLED"] = "False";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    static string Show(string value) => JsonSerializer.Serialize(value);

    public void Dispose() => _directory.Delete(recursive: true);
}
