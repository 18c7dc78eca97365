using MFlow.Contracts;
using MFlow.Execution.Local;
using MFlow.Execution.Reporting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MFlow.Execution.Tests.Support;

/// <summary>
/// A <see cref="LocalProcessExecutor"/> with a reporter over a recording bus, working in a
/// directory of its own that is removed afterwards.
/// </summary>
public abstract class ExecutorSpec : IDisposable
{
    protected ExecutorSpec()
    {
        Root = Directory.CreateTempSubdirectory("mflow-execution-tests-").FullName;
        (var bus, Bus) = RecordingBus.Create();
        var options = Options.Create(new WorkerOptions { WorkDirectory = Path.Combine(Root, "work"), InstanceId = "test-worker" });
        var reporter = new TaskReporter(bus, options, NullLogger<TaskReporter>.Instance);
        Executor = new LocalProcessExecutor(reporter, new MFlow.ServiceDefaults.LiveTaskLogs(), options, [Output], new RunningLifetime(), NullLogger<LocalProcessExecutor>.Instance);
    }

    /// <summary>A directory of the test's own, outside every task's working directory.</summary>
    protected string Root { get; }

    protected RecordingBus Bus { get; }

    protected RecordingOutput Output { get; } = new();

    protected LocalProcessExecutor Executor { get; }

    protected static RunBuildTask Command(params string[] argv) => new()
    {
        RunId = Guid.NewGuid(),
        TaskId = Guid.NewGuid(),
        TaskName = "compile",
        StageIndex = 0,
        JobName = "build",
        Attempt = 1,
        TimeoutSeconds = 60,
        Container = new ContainerSpec { Name = "main", Image = "alpine:3.20", Command = argv },
    };

    /// <summary>A task whose main container runs a shell script.</summary>
    protected static RunBuildTask Script(string script) => Command("sh", "-c", script);

    protected async Task<TaskUpdated> Run(RunTaskCommand command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Executor.ExecuteAsync(command, timeout.Token);
        return Updates(command).Last();
    }

    protected IReadOnlyList<TaskUpdated> Updates(RunTaskCommand command) =>
        Bus.Published<TaskUpdated>().Where(u => u.TaskId == command.TaskId).ToList();

    protected IEnumerable<string> States(RunTaskCommand command) => Updates(command).Select(u => $"{u.State}@{u.Attempt}");

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a process the test left behind may still hold a file
    }

    sealed class RunningLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
