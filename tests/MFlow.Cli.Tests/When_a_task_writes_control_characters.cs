using System.Text.Json;
using System.Text.RegularExpressions;
using MFlow.Cli.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MFlow.Cli.Tests;

/// <summary>
/// A task's output and other text from the server reach the operator's terminal with their control
/// characters shown (ESC as ^[, BEL as ^G, a C1 control as its 7-bit form), never sent: a task cannot
/// set the terminal's title or clear the screen through <c>mflow</c>. <c>-o json|yaml</c> and
/// <c>mflow run logs --raw</c> stay exact.
/// </summary>
[Collection(ServedApiCollection.Name)]
public sealed partial class When_a_task_writes_control_characters(ServedApi api) : IDisposable
{
    // OSC 0 (set the window title, ended by BEL), CSI 2J (clear the screen), a C1 CSI (U+009B); then CRLF.
    const string Printed = "\u001b]0;pwned\u0007title \u001b[2Jcleared \u009bC1";
    const string Shown = "^[]0;pwned^Gtitle ^[[2Jcleared ^[[C1";

    readonly string _directory = Directory.CreateTempSubdirectory("mflow-cli-escapes-").FullName;

    [Fact]
    public async Task Should_show_them_in_the_watch_summary_and_the_log_instead_of_sending_them()
    {
        using var mflow = api.Cli();

        var watched = await mflow.RunAsync("run", "start", "-f", Pipeline(), "--watch");
        var runId = RunIdLine().Match(watched.Stdout).Groups[1].Value;
        var logs = await mflow.RunAsync("run", "logs", runId, "shout");

        Assert.True(watched.ExitCode == 1, watched.ToString());
        Assert.Contains($"    {Shown}\n", watched.Stdout);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Contains($"{Shown}\n", logs.Stdout);
        Assert.Contains("second line\ttabbed\n", logs.Stdout);
        foreach (var output in new[] { watched.Stdout, watched.Stderr, logs.Stdout, logs.Stderr })
            Assert.False(Regex.IsMatch(output, @"[\u0000-\u0008\u000b-\u001f\u007f-\u009f]"), $"a control character reached the terminal:\n{output}");
    }

    [Fact]
    public async Task Should_keep_them_exact_in_json_yaml_and_a_raw_log()
    {
        using var mflow = api.Cli();
        var started = await mflow.RunAsync("run", "start", "-f", Pipeline(), "--watch", "-o", "json");
        var runId = JsonDocument.Parse(started.Stdout).RootElement.GetProperty("id").GetString()!;

        var json = await mflow.RunAsync("run", "get", runId, "-o", "json");
        var yaml = await mflow.RunAsync("run", "get", runId, "-o", "yaml");
        var raw = await mflow.RunAsync("run", "logs", runId, "shout", "--raw");

        Assert.True(started.ExitCode == 1, started.ToString());
        // Both formats escape control characters themselves: no ESC byte, and the value reads back exact.
        Assert.DoesNotContain('\u001b', json.Stdout + yaml.Stdout);
        Assert.Contains(Printed, LogTail(JsonDocument.Parse(json.Stdout).RootElement));
        var document = new YamlStream();
        document.Load(new StringReader(yaml.Stdout));
        var task = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)document.Documents[0].RootNode)["stages"])[0])["tasks"])[0];
        Assert.Contains(Printed, ((YamlScalarNode)task["logTail"]).Value);
        Assert.True(raw.ExitCode == 0, raw.ToString());
        Assert.Contains($"{Printed}\n", raw.Stdout);
    }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // A task that prints the sequences (printf's octal escapes), a tabbed line, and fails: its log tail is shown.
    string Pipeline()
    {
        var path = Path.Combine(_directory, "escapes.yaml");
        File.WriteAllText(path, """
            name: escapes
            stages:
              - name: build
                tasks:
                  - name: shout
                    kind: build
                    container:
                      image: alpine:3.20
                      command: [sh, -c, 'printf "\033]0;pwned\007title \033[2Jcleared \302\233C1\r\nsecond line\ttabbed\n"; exit 3']
            """);
        return path;
    }

    static string LogTail(JsonElement run) =>
        run.GetProperty("stages")[0].GetProperty("tasks")[0].GetProperty("logTail").GetString()!;

    [GeneratedRegex(@"^Run ([0-9a-f-]{36}) started\.$", RegexOptions.Multiline)]
    private static partial Regex RunIdLine();
}
