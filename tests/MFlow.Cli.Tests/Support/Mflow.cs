using System.Diagnostics;
using MFlow.Testing;

namespace MFlow.Cli.Tests.Support;

/// <summary>
/// The built <c>mflow</c> tool run as a process (<see cref="Tool"/>),
/// with a home and config of its own, its output redirected (so it prints plain lines, as in CI).
/// </summary>
public sealed class Mflow : IDisposable
{
    readonly string _home = Directory.CreateTempSubdirectory("mflow-cli-home-").FullName;

    /// <summary>The built tool: <c>services/MFlow.Cli/bin/&lt;Configuration&gt;/net10.0/mflow.dll</c>.</summary>
    static string Tool
    {
        get
        {
            var path = Path.Combine(RepositoryPaths.Services, "MFlow.Cli", "bin", RepositoryPaths.Configuration, "net10.0", "mflow.dll");
            Assert.True(File.Exists(path), $"{path} does not exist: build the solution first (scripts/test.sh does).");
            return path;
        }
    }

    /// <summary>The config file this tool instance reads and writes (MFLOW_CONFIG is not set: the default place under HOME).</summary>
    public string ConfigPath => Path.Combine(_home, ".config", "mflow", "config.yaml");

    /// <summary>The tool pointed at <paramref name="server"/> with <paramref name="key"/> (MFLOW_SERVER, MFLOW_KEY).</summary>
    public static Mflow For(string server, string key) => new() { Environment = { ["MFLOW_SERVER"] = server, ["MFLOW_KEY"] = key } };

    /// <summary>Variables every invocation gets (MFLOW_SERVER, MFLOW_KEY, ...); null removes one.</summary>
    public Dictionary<string, string?> Environment { get; } = [];

    /// <summary>Runs <c>mflow <paramref name="args"/></c> to its end.</summary>
    public Task<MflowResult> RunAsync(params string[] args) => RunAsync(args, null, null);

    /// <summary>Runs <c>mflow <paramref name="args"/></c> with extra variables and standard input.</summary>
    public Task<MflowResult> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? environment, string? input) =>
        RunAsync(args, environment, input, null);

    /// <summary>
    /// Runs <c>mflow <paramref name="args"/></c> with standard input, handing each line it writes to standard
    /// error to <paramref name="onStandardErrorLine"/> as it comes (so that a test can act while it runs).
    /// </summary>
    public Task<MflowResult> RunFollowingStderrAsync(string[] args, string? input, Action<string> onStandardErrorLine) => RunAsync(args, null, input, onStandardErrorLine);

    async Task<MflowResult> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? environment, string? input, Action<string>? onStandardErrorLine)
    {
        var start = new ProcessStartInfo(ServiceProcess.DotnetHost())
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Tool);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["HOME"] = _home;
        start.Environment.Remove("XDG_CONFIG_HOME");
        start.Environment.Remove("MFLOW_CONFIG");
        start.Environment.Remove("MFLOW_SERVER");
        start.Environment.Remove("MFLOW_KEY");
        foreach (var (name, value) in Environment.Concat(environment ?? new Dictionary<string, string?>()))
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = onStandardErrorLine is null ? process.StandardError.ReadToEndAsync() : ReadLinesAsync(process.StandardError, onStandardErrorLine);
        try
        {
            await process.StandardInput.WriteAsync(input ?? "");
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // mflow stopped reading before the end: it refused the input (too large), and says so.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mflow {string.Join(' ', args)} did not finish in 3 minutes.\n{await stdout}\n{await stderr}");
        }

        return new MflowResult(string.Join(' ', args), process.ExitCode, await stdout, await stderr);
    }

    static async Task<string> ReadLinesAsync(StreamReader reader, Action<string> onLine)
    {
        var text = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            text.Append(line).Append('\n');
            onLine(line);
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(_home, recursive: true);
}

/// <summary>How an invocation ended and what it printed.</summary>
public sealed record MflowResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Standard output's lines.</summary>
    public IReadOnlyList<string> Lines => Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    /// <summary>For assertion messages.</summary>
    public override string ToString() => $"mflow {Command} exited {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
