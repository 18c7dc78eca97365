using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace MFlow.Testing;

/// <summary>
/// A built MFlow service running as a separate OS process (<c>dotnet services/&lt;project&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;project&gt;.dll</c>),
/// the way it runs in production: it knows the other services only through the broker and the database.
/// </summary>
/// <remarks>
/// The process listens on <see cref="BaseAddress"/> (a free loopback port, kept across
/// <see cref="RestartAsync"/>), runs in the <c>Production</c> environment unless the caller says
/// otherwise, and inherits the test process's environment with the caller's additions.
/// Its standard output and error are captured line by line (<see cref="Output"/>).
/// </remarks>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int MaxOutputLines = 100_000;
    private const int Sigterm = 15;
    private static readonly TimeSpan _defaultGracePeriod = TimeSpan.FromSeconds(10);
    private static readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly ProcessStartInfo _startInfo;
    private readonly ITestOutputHelper? _testOutput;
    private readonly List<string> _output = [];
    private Process? _process;
    private int _disposed;

    private ServiceProcess(string projectName, string name, int port, ProcessStartInfo startInfo, ITestOutputHelper? testOutput)
    {
        ProjectName = projectName;
        Name = name;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _startInfo = startInfo;
        _testOutput = testOutput;
    }

    /// <summary>The service project's name, e.g. <c>MFlow.Scheduler</c>.</summary>
    public string ProjectName { get; }

    /// <summary>The name used in messages and output (defaults to <see cref="ProjectName"/>), e.g. <c>build-worker-2</c>.</summary>
    public string Name { get; }

    /// <summary>The loopback port the service listens on (<c>ASPNETCORE_URLS</c>).</summary>
    public int Port { get; }

    /// <summary>The service's HTTP base address, <c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The current OS process id.</summary>
    public int ProcessId => Current.Id;

    /// <summary>Whether the current process has exited.</summary>
    public bool HasExited => Current.HasExited;

    /// <summary>The exit code of the current process, or null while it runs.</summary>
    public int? ExitCode => Current.HasExited ? Current.ExitCode : null;

    /// <summary>Snapshot of every line the service wrote to standard output or error so far (across restarts).</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    private Process Current => _process ?? throw new InvalidOperationException($"{Name} was never started.");

    /// <summary>
    /// Starts a built service. <c>ASPNETCORE_URLS</c> is set to a free loopback port (and cannot be
    /// overridden); <c>DOTNET_ENVIRONMENT</c> and <c>ASPNETCORE_ENVIRONMENT</c> default to <c>Production</c>.
    /// </summary>
    /// <param name="projectName">The service project under <c>services/</c>, e.g. <c>MFlow.Workers.Build</c>.</param>
    /// <param name="environment">
    /// Variables to set for the service (configuration uses <c>__</c> for sections, e.g.
    /// <c>ConnectionStrings__Postgres</c>); a null value removes an inherited variable.
    /// </param>
    /// <param name="name">A name for messages and output; defaults to <paramref name="projectName"/>.</param>
    /// <param name="testOutput">If given, every output line is also written there, prefixed with the name.</param>
    /// <param name="arguments">Command-line arguments, given the address the service is to listen on (e.g. <c>serve --urls</c> for the standalone).</param>
    /// <exception cref="FileNotFoundException">The service has not been built.</exception>
    public static ServiceProcess Start(
        string projectName,
        IReadOnlyDictionary<string, string?> environment,
        string? name = null,
        ITestOutputHelper? testOutput = null,
        Func<Uri, IEnumerable<string>>? arguments = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var assembly = RepositoryPaths.ServiceAssembly(projectName);
        var port = FreePort.Next();
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            // ASP.NET Core takes its content root (appsettings.json) from the working directory.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(assembly);
        foreach (var argument in arguments?.Invoke(new Uri($"http://127.0.0.1:{port}/")) ?? [])
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // A failed readiness probe is logged at every poll; the lines would push out of the output
        // tail (shown when a start times out) whatever says why the service is not ready.
        startInfo.Environment["Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks"] = "Critical";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var stateDirectory = Environment.GetEnvironmentVariable(TestEnvironment.StateDirectoryVariable);
        if (!string.IsNullOrEmpty(stateDirectory))
        {
            startInfo.Environment[TestEnvironment.OwnerVariable] = stateDirectory;
        }

        var service = new ServiceProcess(projectName, name ?? projectName, port, startInfo, testOutput);
        service.Launch();
        return service;
    }

    /// <summary>Whether any output line so far contains <paramref name="text"/> (ordinal comparison).</summary>
    /// <param name="text">The text to look for.</param>
    public bool OutputContains(string text)
    {
        lock (_output)
        {
            return _output.Exists(line => line.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>The last <paramref name="lines"/> output lines, joined with newlines (for failure messages).</summary>
    /// <param name="lines">How many lines.</param>
    public string OutputTail(int lines = 50)
    {
        lock (_output)
        {
            return string.Join('\n', _output.Skip(Math.Max(0, _output.Count - lines)));
        }
    }

    /// <summary>
    /// Several services' state for a failure message: first one line naming each with its state
    /// (running or its exit code), then the output tail of each, those that exited first, so a cut
    /// message still says which service died.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="lines">How many lines of each one's output.</param>
    public static string Describe(IEnumerable<ServiceProcess> services, int lines)
    {
        var all = services.ToList();
        static string State(ServiceProcess service) => service.HasExited ? $"exited {service.ExitCode}" : "running";
        var summary = "services: " + string.Join(", ", all.Select(service => $"{service.Name} {State(service)}"));
        var tails = all.OrderBy(service => service.HasExited ? 0 : 1)
            .Select(service => $"--- {service.Name} ({State(service)}) ---\n{service.OutputTail(lines)}");
        return string.Join('\n', tails.Prepend(summary));
    }

    /// <summary>Waits until an output line contains <paramref name="text"/>.</summary>
    /// <param name="text">The text to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">No such line in time; the message ends with the output's tail.</exception>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(OutputContains(text)), timeout, $"{Name} writes \"{text}\"", cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\n{Describe()}", exception);
        }
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">The process exited first; the message holds its exit code and output tail.</exception>
    /// <exception cref="TimeoutException">Not ready in time; the message holds the last answer and the output tail.</exception>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var readiness = new Uri(BaseAddress, "health/ready");
        var lastAnswer = "no answer yet";
        while (true)
        {
            if (HasExited)
            {
                await Current.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"{Name} exited with code {ExitCode} before it became ready.\n{Describe()}");
            }

            try
            {
                using var response = await _http.GetAsync(readiness, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastAnswer = $"{exception.GetType().Name}: {exception.Message}";
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException(
                    $"{Name} was not ready after {timeout.TotalSeconds:0.#} s (GET {readiness}: {lastAnswer}).\n{Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the process has exited and all it wrote is in <see cref="Output"/>: the exit is seen
    /// before the last lines of its redirected output have been read.
    /// </summary>
    /// <param name="timeout">How long to wait.</param>
    /// <exception cref="TimeoutException">Still running after <paramref name="timeout"/>; the message holds the output tail.</exception>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await Current.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} was still running after {timeout.TotalSeconds:0.#} s.\n{Describe()}");
        }
    }

    /// <summary>Kills the process and its children at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public void Kill()
    {
        var process = Current;
        if (process.HasExited)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        process.WaitForExit();
        AppendLine($"[{Name} killed]");
    }

    /// <summary>
    /// Asks the service to shut down (SIGTERM, as Kubernetes does) and waits for it; kills it if it is
    /// still running after <paramref name="gracePeriod"/>.
    /// </summary>
    /// <param name="gracePeriod">How long to wait for a clean exit; default 10 s.</param>
    /// <param name="cancellationToken">Stops waiting (the process is then killed).</param>
    public async Task StopAsync(TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default)
    {
        var process = Current;
        if (process.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Kill();
            return;
        }

        _ = SendSignal(process.Id, Sigterm);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(gracePeriod ?? _defaultGracePeriod);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            AppendLine($"[{Name} stopped with exit code {process.ExitCode}]");
        }
        catch (OperationCanceledException)
        {
            AppendLine($"[{Name} did not stop within {(gracePeriod ?? _defaultGracePeriod).TotalSeconds:0.#} s]");
            Kill();
        }
    }

    /// <summary>
    /// Stops the service if it runs (as <see cref="StopAsync"/>) and starts it again with the same
    /// environment and port. Output keeps accumulating. Call <see cref="WaitUntilHealthyAsync"/> next.
    /// </summary>
    /// <param name="cancellationToken">Cancels the stop.</param>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        Current.Dispose();
        Launch();
    }

    /// <summary>Stops the service (SIGTERM, killed after 10 s) and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _process is null)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private void Launch()
    {
        var process = new Process { StartInfo = _startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {Name}: dotnet {_startInfo.ArgumentList[0]}");
        }

        // The service never reads its standard input; closing it keeps it off the test host's.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        AppendLine($"[{Name} started: pid {process.Id}, {BaseAddress}]");
    }

    private void AppendLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Count >= MaxOutputLines)
            {
                _output.RemoveRange(0, MaxOutputLines / 10);
            }

            _output.Add(line);
        }

        if (_testOutput is not null)
        {
            try
            {
                _testOutput.WriteLine($"[{Name}] {line}");
            }
            catch (InvalidOperationException)
            {
                // xunit refuses output once the test that owns the helper has finished.
            }
        }
    }

    private string Describe() => $"--- last output of {Name} (pid {_process?.Id}) ---\n{OutputTail()}";

    /// <summary>The dotnet host that runs the tests, to run services and commands with too; PATH's dotnet as the fallback.</summary>
    public static string DotnetHost()
    {
        var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli))
        {
            return fromCli;
        }

        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return "dotnet";
    }

    // .NET can send SIGKILL (Process.Kill) but not SIGTERM, the signal that makes the generic host
    // shut down cleanly.
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
