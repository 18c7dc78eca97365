using System.Diagnostics;
using System.Text.Json.Nodes;
using MFlow.Cli.Api;
using MFlow.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MFlow.Cli.Watch;

/// <summary>
/// Follows a run to its end from its event stream: a live stage/task tree on a terminal, a line per
/// change when the output is a file or a pipe, nothing but the final run with <c>-o json|yaml</c>.
/// The exit code says how it ended: 0 succeeded, 1 failed, cancelled or rejected.
/// </summary>
public static class RunWatcher
{
    /// <summary>Exit code of a run that did not succeed.</summary>
    public const int RunDidNotSucceed = 1;

    /// <summary>Watches <paramref name="runId"/> until it ends and prints how it ended.</summary>
    public static async Task<int> WatchAsync(ApiClient client, Guid runId, OutputFormat format, CancellationToken cancellationToken)
    {
        var path = $"api/v1/runs/{runId}";
        var display = format != OutputFormat.Table ? (IWatchDisplay)new QuietDisplay()
            : Printer.IsTerminal ? new LiveTreeDisplay() : new LineDisplay(System.Console.Out);
        var stream = new RunEventStream(client, runId, System.Console.Error);
        var gate = new Lock();
        RunProgress? run = null;

        await display.RunAsync(async () =>
        {
            await stream.FollowAsync(
                (type, data) =>
                {
                    lock (gate)
                    {
                        if (type == "snapshot")
                        {
                            run = RunProgress.FromView(data);
                            display.Started(run);
                            return run.Ended;
                        }

                        // A first connection always starts with the snapshot; changes before it mean nothing.
                        if (run is null)
                            return false;
                        var change = run.Apply(type, data);
                        display.Changed(run, change);
                        return run.Ended;
                    }
                },
                async ct =>
                {
                    var view = RunProgress.FromView(await client.GetAsync(path, ct));
                    if (!view.Ended)
                        return false;
                    lock (gate)
                    {
                        run = view;
                        display.Changed(run, $"run {run.State}");
                    }

                    return true;
                },
                cancellationToken);
        });

        // The exit code follows the terminal event; the final view has what events do not carry
        // (messages, exit codes, log tails), read until it shows the end too (a replica's read may lag).
        var state = run!.State;
        var final = await client.GetAsync(path, cancellationToken);
        for (var clock = Stopwatch.StartNew(); !RunProgress.IsTerminal(final.Text("state")) && clock.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            final = await client.GetAsync(path, cancellationToken);
        }

        var ended = RunProgress.FromView(final);
        Printer.Print(final, format, _ => Summarize(final, ended));
        return state == "Succeeded" ? 0 : RunDidNotSucceed;
    }

    /// <summary>The lines that say how a run ended, and why when it did not succeed.</summary>
    public static void Summarize(JsonNode view, RunProgress run)
    {
        var output = System.Console.Out;
        var took = run.CompletedAt is { } end ? $" in {Durations.Format(end - run.CreatedAt)}" : "";
        var why = run.State switch
        {
            "Cancelled" => view.Text("cancelReason") ?? view.Text("reason"),
            "Rejected" => (view["approvals"] as JsonArray)?.OfType<JsonNode>().LastOrDefault(a => a.Text("state") == "Rejected") is { } gate
                ? $"stage '{gate.Text("stage")}' was rejected by {gate.Text("decidedBy")}{(gate.Text("comment") is { } comment ? $": {comment}" : "")}"
                : view.Text("reason"),
            _ => null,
        };
        output.WriteLine($"Run {run.Id} ({run.Pipeline}) {run.State.ToLowerInvariant()}{took}{(why is null ? "." : $": {why}")}");
        foreach (var stage in (view["stages"] as JsonArray ?? []).OfType<JsonNode>())
        {
            foreach (var task in (stage["tasks"] as JsonArray ?? []).OfType<JsonNode>().Where(t => t.Text("state") == "Failed"))
            {
                var allowed = task["allowedFailure"]?.GetValue<bool>() == true ? " (allowed to fail)" : "";
                output.WriteLine($"Task '{task.Text("name")}' (stage '{stage.Text("name")}') failed{allowed}: {FailureReason(task)}");
                var tail = task.Text("logTail")?.TrimEnd().Split('\n').TakeLast(10).ToList() ?? [];
                if (tail.Count > 0)
                {
                    output.WriteLine($"  last lines of its log (mflow run logs {run.Id} {task.Text("name")}):");
                    foreach (var line in tail)
                        output.WriteLine($"    {line.TrimEnd('\r')}");
                }
            }
        }
    }

    /// <summary>Why a task failed, from its exit code, reason and message.</summary>
    public static string FailureReason(JsonNode task)
    {
        var parts = new List<string>();
        if (task["exitCode"]?.GetValue<int>() is { } code)
            parts.Add($"exited with code {code}");
        if (task.Text("reason") is { } reason && !parts.Any(p => p.Contains(reason, StringComparison.OrdinalIgnoreCase)))
            parts.Add(reason);
        if (task.Text("message") is { } message)
            parts.Add(message);
        return parts.Count == 0 ? "no reason reported" : string.Join("; ", parts);
    }

    interface IWatchDisplay
    {
        Task RunAsync(Func<Task> follow);

        void Started(RunProgress run);

        void Changed(RunProgress run, string? change);
    }

    sealed class QuietDisplay : IWatchDisplay
    {
        public Task RunAsync(Func<Task> follow) => follow();

        public void Started(RunProgress run)
        {
        }

        public void Changed(RunProgress run, string? change)
        {
        }
    }

    // A line per change, with the time since watching began: readable in a CI log.
    sealed class LineDisplay(TextWriter output) : IWatchDisplay
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();

        public Task RunAsync(Func<Task> follow) => follow();

        public void Started(RunProgress run)
        {
            // What happened before the snapshot, in the words changes are told in.
            Write($"watching run {run.Id} ({run.Pipeline}): {run.State}");
            foreach (var stage in run.Stages)
            {
                foreach (var task in stage.Tasks.Where(t => t.State is not ("Waiting" or "Queued")))
                    Write(RunProgress.Describe(stage, task));
                if (stage.State is "Succeeded" or "Failed")
                    Write($"stage {stage.Name} {stage.State.ToLowerInvariant()}");
            }

            if (run.Ended)
                Write($"run {run.State}");
        }

        public void Changed(RunProgress run, string? change)
        {
            if (change is not null)
                Write(change);
        }

        void Write(string line)
        {
            output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {line}");
            output.Flush();
        }
    }

    // The run as a tree redrawn in place: stages, their tasks, states and durations ticking.
    sealed class LiveTreeDisplay : IWatchDisplay
    {
        readonly Lock _gate = new();
        RunProgress? _run;
        LiveDisplayContext? _context;

        public async Task RunAsync(Func<Task> follow)
        {
            await Printer.Console.Live(new Text("connecting...")).AutoClear(false).Overflow(VerticalOverflow.Ellipsis)
                .StartAsync(async context =>
                {
                    lock (_gate)
                        _context = context;
                    using var ticking = new CancellationTokenSource();
                    var ticker = TickAsync(ticking.Token);
                    try
                    {
                        await follow();
                    }
                    finally
                    {
                        await ticking.CancelAsync();
                        await ticker;
                        Redraw();
                    }
                });
        }

        public void Started(RunProgress run) => Changed(run, null);

        public void Changed(RunProgress run, string? change)
        {
            lock (_gate)
                _run = run;
            Redraw();
        }

        async Task TickAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                Redraw();
            }
        }

        void Redraw()
        {
            lock (_gate)
            {
                if (_context is null || _run is null)
                    return;
                _context.UpdateTarget(Render(_run, DateTimeOffset.UtcNow));
            }
        }

        static IRenderable Render(RunProgress run, DateTimeOffset now)
        {
            var took = Durations.Format((run.CompletedAt ?? now) - run.CreatedAt);
            var tree = new Tree(new Markup($"[bold]{Shown(run.Pipeline)}[/] run {run.Id} {State(run.State)} [grey]{took}[/]"));
            foreach (var stage in run.Stages)
            {
                var node = tree.AddNode(new Markup($"{Icon(stage.State)} [bold]{Shown(stage.Name)}[/] {State(stage.State)} {Duration(stage.Duration(now))}"));
                foreach (var task in stage.Tasks)
                {
                    var attempt = task.Attempt > 1 ? $" [grey](attempt {task.Attempt})[/]" : "";
                    var reason = task.State == "Failed" && task.Reason is { } why ? $" [red]{Shown(why)}[/]" : "";
                    node.AddNode(new Markup($"{Icon(task.State)} {Shown(task.Name)} [grey]{Shown(task.Kind)}[/] {State(task.State)}{attempt} {Duration(task.Duration(now))}{reason}"));
                }
            }

            return tree;
        }

        // The server's text in markup: control characters shown first, since showing ESC as ^[ adds a bracket to escape.
        static string Shown(string text) => Markup.Escape(TerminalText.Clean(text));

        static string Duration(TimeSpan? duration) => duration is { } d ? $"[grey]{Durations.Format(d)}[/]" : "";

        static string Icon(string state) => state switch
        {
            "Succeeded" => "[green]✔[/]",
            "Failed" or "Rejected" => "[red]✘[/]",
            "Cancelled" or "Cancelling" => "[yellow]■[/]",
            "Running" or "Pending" => "[blue]●[/]",
            "WaitingForApproval" => "[yellow]?[/]",
            _ => "[grey]○[/]",
        };

        static string State(string state) => state switch
        {
            "Succeeded" => "[green]Succeeded[/]",
            "Failed" or "Rejected" => $"[red]{state}[/]",
            "Cancelled" or "Cancelling" or "WaitingForApproval" => $"[yellow]{state}[/]",
            "Running" => "[blue]Running[/]",
            _ => $"[grey]{Shown(state)}[/]",
        };
    }
}
