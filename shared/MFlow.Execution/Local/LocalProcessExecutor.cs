using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MFlow.Execution.Local;

/// <summary>
/// The <c>local</c> executor: runs a task's containers as host processes (init containers first, in
/// order), each attempt in a fresh working directory, with a clean environment holding the task's
/// params, its container env and the system variables. The image is ignored. Retries a failed pod
/// up to the task's backoff limit and enforces its deadline, like a Job would.
/// </summary>
/// <remarks>
/// The consumer holds the run-task message until the task ended, so a worker killed mid-task gets
/// it redelivered and the task runs again; a worker stopped gracefully reports the attempt Failed.
/// </remarks>
public sealed class LocalProcessExecutor(
    TaskReporter reporter,
    LiveTaskLogs liveLogs,
    IOptions<WorkerOptions> options,
    IEnumerable<ITaskOutputListener> listeners,
    IHostApplicationLifetime lifetime,
    ILogger<LocalProcessExecutor> logger) : ITaskExecutor
{
    readonly ConcurrentDictionary<(Guid TaskId, int Attempt), CancellationTokenSource> _running = new();
    readonly string _workRoot = options.Value.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "mflow-work");

    /// <inheritdoc />
    public async Task ExecuteAsync(RunTaskCommand command, CancellationToken cancellationToken)
    {
        using var cancel = new CancellationTokenSource();
        if (!_running.TryAdd((command.TaskId, command.Attempt), cancel))
        {
            logger.LogInformation("Task {TaskId} attempt {Attempt} is already running here; duplicate command ignored", command.TaskId, command.Attempt);
            return;
        }

        try
        {
            // Stopping the worker stops its tasks at once (and reports them), rather than holding
            // the shutdown until they finish.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            using var active = MFlowMetrics.TaskActive(command.Kind);
            await RunAsync(command, cancel.Token, stopping.Token);
        }
        finally
        {
            _running.TryRemove((command.TaskId, command.Attempt), out _);
        }
    }

    /// <inheritdoc />
    public Task CancelAsync(CancelTask command, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue((command.TaskId, command.Attempt), out var cancel))
        {
            logger.LogInformation("Cancelling task {TaskId} attempt {Attempt}: {Reason}", command.TaskId, command.Attempt, command.Reason);
            cancel.Cancel();
        }

        return Task.CompletedTask;
    }

    async Task RunAsync(RunTaskCommand command, CancellationToken cancelled, CancellationToken stopping)
    {
        var task = TaskRef.Of(command);
        var startedAt = DateTimeOffset.UtcNow;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(1, command.TimeoutSeconds)));
        using var any = CancellationTokenSource.CreateLinkedTokenSource(cancelled, deadline.Token, stopping);

        var taskRoot = Path.Combine(_workRoot, command.RunId.ToString("N"), $"{command.TaskName}-a{command.Attempt}");
        Directory.CreateDirectory(taskRoot);
        var logFile = Path.Combine(taskRoot, "task.log");
        var masked = SecretMask.ValuesOf(command.SecretValues.Values);
        using var live = liveLogs.Start(command.TaskId, command.Attempt, logFile, (unsent, ended) => SecretMask.ApplyToGrowing(unsent, masked, ended));
        using var log = new LogBuffer(logFile, options.Value.LogTailLines, live);

        await reporter.ReportAsync(task, new TaskReport(TaskState.Running) { StartedAt = startedAt }, stopping);

        AttemptResult result = AttemptResult.Failed(null, "StartError", "The task did not run.");
        IReadOnlyDictionary<string, string> outputs = new Dictionary<string, string>();
        for (var pod = 0; pod <= command.BackoffLimit && !any.IsCancellationRequested; pod++)
        {
            // A fresh directory per try, as a new pod would get a fresh emptyDir.
            var workDir = Path.Combine(taskRoot, $"try-{pod + 1}");
            if (Directory.Exists(workDir))
                Directory.Delete(workDir, recursive: true);
            Directory.CreateDirectory(workDir);
            var outputFile = Path.Combine(workDir, ".mflow-outputs");
            var environment = BuildEnvironment(command, workDir, outputFile);

            result = await RunPodAsync(command, task, workDir, environment, log, any.Token);
            outputs = ReadOutputs(outputFile, log);
            if (result.Succeeded || any.IsCancellationRequested)
                break;
            if (pod < command.BackoffLimit)
                log.Add("mflow", $"attempt {command.Attempt}: try {pod + 1} failed ({result.Message}); retrying");
        }

        var report = cancelled.IsCancellationRequested ? Finished(TaskState.Cancelled, result.ExitCode, "Cancelled", "The task was cancelled.")
            : deadline.IsCancellationRequested ? Finished(TaskState.Failed, result.ExitCode, "DeadlineExceeded", $"The task ran longer than its {command.TimeoutSeconds} s deadline.")
            : stopping.IsCancellationRequested ? Finished(TaskState.Failed, result.ExitCode, "WorkerStopped", "The worker stopped while the task was running.")
            : result.Succeeded ? Finished(TaskState.Succeeded, 0, null, "Completed.")
            : Finished(TaskState.Failed, result.ExitCode, command.BackoffLimit > 0 ? "BackoffLimitExceeded" : result.Reason,
                command.BackoffLimit > 0 ? $"{result.Message} (after {command.BackoffLimit + 1} tries)" : result.Message);

        // The worker may be stopping: the final report must still go out.
        using var reportTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        log.Dispose();
        live.Dispose(); // followers read to the end before the report goes out
        var secrets = SecretMask.ValuesOf(command.SecretValues.Values);
        await reporter.ReportAsync(task, report with
        {
            StartedAt = startedAt,
            LogTail = log.Tail(secrets),
            Log = await ReadMaskedLogAsync(log.LogFile, secrets),
            LogTruncated = new FileInfo(log.LogFile).Length > TaskUpdated.MaxLogLength,
            Outputs = outputs,
        }, reportTimeout.Token);

        static TaskReport Finished(TaskState state, int? exitCode, string? reason, string message) =>
            new(state) { FinishedAt = DateTimeOffset.UtcNow, ExitCode = exitCode, Reason = reason, Message = message };
    }

    async Task<AttemptResult> RunPodAsync(RunTaskCommand command, TaskRef task, string workDir, Dictionary<string, string> environment, LogBuffer log, CancellationToken token)
    {
        for (var i = 0; i < command.InitContainers.Count; i++)
        {
            // An unnamed one is named as the planner would name it, so its log lines and message agree.
            var init = command.InitContainers[i];
            var initResult = await RunContainerAsync(init, init.Name ?? $"init-{i + 1}", "Init container", task, workDir, environment, log, token);
            if (!initResult.Succeeded)
                return initResult;
        }

        if (command.Container is null)
            return AttemptResult.Failed(null, "NoCommand", "The task gives no container to run.");
        return await RunContainerAsync(command.Container, command.Container.Name ?? "main", "Container", task, workDir, environment, log, token);
    }

    async Task<AttemptResult> RunContainerAsync(ContainerSpec container, string name, string what, TaskRef task, string workDir, Dictionary<string, string> environment, LogBuffer log, CancellationToken token)
    {
        var argv = container.Command.Concat(container.Args).ToList();
        if (argv.Count == 0)
            return AttemptResult.Failed(null, "NoCommand", $"{what} '{name}' has no command.");

        // As in a pod, the working directory is inside the task's workspace (an absolute one is taken
        // from the workspace's root); a path that would leave it is refused, not followed.
        var workingDirectory = container.WorkingDir is { Length: > 0 } dir ? Path.GetFullPath(Path.Combine(workDir, dir.TrimStart('/'))) : workDir;
        if (!IsInside(workingDirectory, workDir))
        {
            log.Add(name, $"workingDir '{container.WorkingDir}' is outside the task's folder");
            return AttemptResult.Failed(null, "InvalidWorkingDir", $"{what} '{name}': workingDir '{container.WorkingDir}' leaves the task's folder.");
        }

        // In a container "./build.sh" is found in the working directory; Process.Start would look
        // for it in the worker's own current directory.
        var program = argv[0].Contains('/') && !Path.IsPathRooted(argv[0]) ? Path.GetFullPath(Path.Combine(workingDirectory, argv[0])) : argv[0];
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        // As the kubelet does: the container's env values and its argv may use $(VAR) (and $$ for
        // a literal $); each env value sees the variables defined before it.
        var effective = new Dictionary<string, string>(environment, StringComparer.Ordinal);
        foreach (var (key, value) in container.Env)
        {
            if (!SystemVariables.IsSystemVariable(key))
                effective[key] = ContainerVariables.Expand(value, effective);
        }

        start.FileName = ContainerVariables.Expand(program, effective);
        foreach (var arg in argv.Skip(1))
            start.ArgumentList.Add(ContainerVariables.Expand(arg, effective)); // argv, never a shell string
        start.Environment.Clear();
        foreach (var (key, value) in effective)
            start.Environment[key] = value;

        Directory.CreateDirectory(start.WorkingDirectory);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            log.Add(name, $"could not start '{argv[0]}': {ex.Message}");
            return AttemptResult.Failed(null, "StartError", $"{what} '{name}' could not start '{argv[0]}': {ex.Message}");
        }

        process.StandardInput.Close();
        var pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
        try
        {
            await process.WaitForExitAsync(token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // it exited meanwhile
            await process.WaitForExitAsync(CancellationToken.None);
            await pumps;
            return AttemptResult.Failed(process.ExitCode, "Killed", $"{what} '{name}' was stopped.");
        }

        await pumps;
        return process.ExitCode == 0
            ? AttemptResult.Ok
            : AttemptResult.Failed(process.ExitCode, "Error", $"{what} '{name}' exited with code {process.ExitCode}.");

        async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                log.Add(name, line);
                foreach (var listener in listeners)
                    listener.OnOutput(task, name, line);
                logger.LogDebug("[{Task}/{Container}] {Line}", task.TaskName, name, line);
            }
        }
    }

    Dictionary<string, string> BuildEnvironment(RunTaskCommand command, string workDir, string outputFile)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in options.Value.InheritEnvironment)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
                environment[name] = value;
        }

        foreach (var (name, value) in command.Params)
            environment[name] = value;
        foreach (var (name, value) in command.SecretValues)
        {
            if (name == SecretKeys.Kubeconfig)
            {
                var path = Path.Combine(workDir, ".kubeconfig");
                // Private from its first byte: created 0600, never widened by the umask first.
                var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                    file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (var writer = new StreamWriter(path, file))
                    writer.Write(value);
                environment["KUBECONFIG"] = path;
            }
            else if (name != SecretKeys.UpdateToken && !SystemVariables.IsSystemVariable(name))
            {
                environment[name] = value;
            }
        }

        // System variables last: nothing overrides them.
        foreach (var (name, value) in SystemVariableValues.For(command, outputFile, options.Value.ApiUrl))
            environment[name] = value;
        if (command.SecretValues.TryGetValue(SecretKeys.UpdateToken, out var token))
            environment[SystemVariables.UpdateToken] = token;
        return environment;
    }

    static bool IsInside(string path, string folder) =>
        path == folder || path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    // The log's end, at most TaskUpdated.MaxLogLength characters, masked before it is cut: what is
    // read reaches back the longest secret's length further, so a secret that the cut runs through is
    // read whole and masked, and what is left of one at the read's edge is dropped.
    static async Task<string> ReadMaskedLogAsync(string path, IReadOnlyList<string> secrets)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return "";
        var reach = secrets.Count == 0 ? 0 : secrets.Max(System.Text.Encoding.UTF8.GetByteCount);
        if (info.Length <= TaskUpdated.MaxLogLength + reach)
            return SecretMask.Apply(await File.ReadAllTextAsync(path), secrets)!;
        await using var stream = info.OpenRead();
        stream.Seek(-(TaskUpdated.MaxLogLength + reach), SeekOrigin.End);
        using var reader = new StreamReader(stream);
        var masked = SecretMask.ApplyToPart(await reader.ReadToEndAsync(), secrets, cutAtStart: true, cutAtEnd: false)!;
        return masked.Length <= TaskUpdated.MaxLogLength ? masked : masked[^TaskUpdated.MaxLogLength..];
    }

    IReadOnlyDictionary<string, string> ReadOutputs(string outputFile, LogBuffer log)
    {
        try
        {
            return TaskOutputs.Read(outputFile, problem => log.Add("mflow", problem));
        }
        catch (InvalidDataException ex)
        {
            log.Add("mflow", ex.Message);
            return new Dictionary<string, string>();
        }
    }

    sealed record AttemptResult(bool Succeeded, int? ExitCode, string? Reason, string Message)
    {
        public static readonly AttemptResult Ok = new(true, 0, null, "Completed.");

        public static AttemptResult Failed(int? exitCode, string reason, string message) => new(false, exitCode, reason, message);
    }
}
