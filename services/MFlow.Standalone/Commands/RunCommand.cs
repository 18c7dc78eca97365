using MFlow.Contracts;
using MFlow.Execution;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using MFlow.Standalone.Console;
using Spectre.Console;

namespace MFlow.Standalone.Commands;

/// <summary><c>run</c>: runs one pipeline to its end on the embedded default.</summary>
public static class RunCommand
{
    /// <summary>Exit code of a run that did not succeed.</summary>
    public const int RunDidNotSucceed = 1;

    /// <summary>Exit code of invalid input (a missing file, an invalid pipeline or param).</summary>
    public const int InvalidInput = 2;

    /// <summary>Runs the pipeline in <paramref name="file"/>.</summary>
    public static async Task<int> ExecuteAsync(FileInfo file, string[] paramArgs, bool quiet, FileInfo? database, TextWriter output, CancellationToken cancellationToken, bool approve = false)
    {
        RunRequest request;
        try
        {
            if (!file.Exists)
                throw PipelineValidationException.For("pipeline", $"There is no file {file.FullName}.");
            var pipeline = PipelineDocumentParser.ParsePipeline(await File.ReadAllTextAsync(file.FullName, cancellationToken), "pipeline");
            request = new RunRequest { Pipeline = pipeline, Params = ParseParams(paramArgs), TriggeredBy = Environment.UserName, Trigger = "mflow run" };
            PipelineValidator.Validate(pipeline);
            PipelineValidator.ValidateRunParams(request.Params);
        }
        catch (PipelineValidationException ex)
        {
            output.WriteLine($"Cannot run {file.Name}:");
            foreach (var (field, messages) in ex.Errors)
                output.WriteLine($"  {field}: {string.Join(" ", messages)}");
            return InvalidInput;
        }

        var databasePath = database?.FullName ?? Path.Combine(Path.GetTempPath(), $"mflow-standalone-{Guid.NewGuid():N}.db");
        var printer = new ProgressPrinter(output) { ShowOutput = !quiet };
        var watcher = new RunWatcher();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(EmbeddedHost.Defaults(databasePath)).AddEnvironmentVariables();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddSingleton(printer);
        builder.Services.AddSingleton<ITaskOutputListener>(printer);
        builder.Services.AddSingleton(watcher);
        builder.Services.AddSingleton(new GateDecisions(approve, Environment.UserName));
        // One message at a time: lines print in the order events were published, and a task's
        // "running" is never consumed after its "succeeded" (the printer drops it as late).
        builder.AddEmbeddedServices(bus => bus.AddConsumer<ProgressConsumer>().Endpoint(e =>
        {
            e.Name = "mflow-standalone-progress";
            e.ConcurrentMessageLimit = 1;
        }));

        using var host = builder.Build();
        try
        {
            output.WriteLine($"MFlow standalone: running '{request.Pipeline.Name}' from {file.Name} (in-memory bus, SQLite, local executor)");
            await host.StartAsync(cancellationToken);
            var submitted = await host.Services.GetRequiredService<RunSubmitter>().SubmitAsync(request, cancellationToken);

            // The exit code follows the run's terminal event; the stored state is only for the summary.
            string outcome;
            try
            {
                outcome = await watcher.WaitAsync(submitted.RunId, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine("Interrupted: cancelling the run...");
                await host.Services.GetRequiredService<MassTransit.IBus>().Publish(
                    new CancelPipelineRun { RunId = submitted.RunId, Reason = "interrupted", RequestedBy = Environment.UserName }, CancellationToken.None);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    outcome = await watcher.WaitAsync(submitted.RunId, grace.Token);
                }
                catch (OperationCanceledException)
                {
                    output.WriteLine("The run did not end within 15 s of its cancellation.");
                    outcome = "Interrupted";
                }
            }

            var run = await ReadFinalStateAsync(host.Services.GetRequiredService<RunStore>(), submitted.RunId);
            PrintSummary(output, run);
            return outcome == "Succeeded" ? 0 : RunDidNotSucceed;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            if (database is null)
                DeleteTemporaryDatabase(databasePath);
        }
    }

    // The aggregator publishes a run's terminal event after it committed the state, so the first read
    // normally finds it final; the short poll only covers a slow read model.
    static async Task<RunView> ReadFinalStateAsync(RunStore store, Guid runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var run = await store.GetAsync(runId, CancellationToken.None);
            var view = RunView.From(run!);
            if (view.State is "Succeeded" or "Failed" or "Cancelled" or "Rejected" || DateTime.UtcNow > deadline)
                return view;
            await Task.Delay(20);
        }
    }

    static void PrintSummary(TextWriter output, RunView run)
    {
        // Colour only on a terminal; a wide table either way (CI logs have no width).
        var redirected = System.Console.IsOutputRedirected || !ReferenceEquals(output, System.Console.Out);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        console.Profile.Width = redirected ? 160 : Math.Max(100, System.Console.WindowWidth);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Stage").AddColumn("Task").AddColumn("Kind").AddColumn("State").AddColumn("Exit").AddColumn("Duration").AddColumn("Outputs / message");
        foreach (var stage in run.Stages)
        {
            foreach (var task in stage.Tasks)
            {
                var duration = task is { StartedAt: { } start, FinishedAt: { } end } ? $"{(end - start).TotalSeconds:0.0}s" : "";
                var detail = task.State == "Succeeded"
                    ? string.Join(", ", task.Outputs.Select(o => $"{o.Key}={Shorten(o.Value)}"))
                    : task.Message ?? "";
                table.AddRow(
                    Markup.Escape(stage.Name), Markup.Escape(task.Name), task.Kind, StateMarkup(task.State),
                    task.ExitCode?.ToString() ?? "", duration, Markup.Escape(detail));
            }
        }

        console.Write(table);
        var elapsed = run.CompletedAt is { } completed ? $" in {(completed - run.CreatedAt).TotalSeconds:0.0}s" : "";
        output.WriteLine($"Run {run.Id} {run.State.ToLowerInvariant()}{elapsed}.");
        foreach (var failed in run.Stages.SelectMany(s => s.Tasks.Select(t => (Stage: s, Task: t))).Where(x => x.Task.State == "Failed"))
        {
            var why = failed.Task.ExitCode is { } code ? $"exited with code {code}" : failed.Task.Message;
            output.WriteLine($"Task '{failed.Task.Name}' (stage '{failed.Stage.Name}') failed: {why}");
        }
    }

    static string Shorten(string value) => value.Length <= 48 ? value : value[..45] + "...";

    static string StateMarkup(string state) => state switch
    {
        "Succeeded" => "[green]Succeeded[/]",
        "Failed" => "[red]Failed[/]",
        "Cancelled" => "[yellow]Cancelled[/]",
        "Rejected" => "[red]Rejected[/]",
        _ => Markup.Escape(state),
    };

    /// <summary>Parses NAME=value command-line params.</summary>
    public static Dictionary<string, string> ParseParams(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            var separator = arg.IndexOf('=');
            if (separator <= 0)
                throw PipelineValidationException.For("--param", $"'{arg}' is not NAME=value.");
            values[arg[..separator]] = arg[(separator + 1)..];
        }

        return values;
    }

    static void DeleteTemporaryDatabase(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            try { File.Delete(file); }
            catch (IOException) { } // best effort: it is a temporary file
        }
    }
}
