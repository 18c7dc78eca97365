using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using MFlow.Cli.Api;
using MFlow.Cli.Output;
using MFlow.Cli.Watch;

namespace MFlow.Cli.Commands;

/// <summary><c>mflow run ...</c>: start, list, show, follow and steer pipeline runs.</summary>
public static class RunCommands
{
    /// <summary>The <c>run</c> command and its subcommands.</summary>
    public static Command Build() => new("run", "Pipeline runs: start, list, get, logs, watch, cancel, approve, reject, rerun, resume.")
    {
        Start(), List(), Get(), Logs(), Watch(), Cancel(),
        Decide("approve", "Approve the gate the run waits at; the run goes on."),
        Decide("reject", "Reject the gate the run waits at; the run ends Rejected."),
        Again("rerun", "Start a new run from this run's snapshot (same definitions and params)."),
        Again("resume", "Continue a Failed or Cancelled run in place: its tasks that did not succeed run again."),
    };

    static Argument<Guid> RunId() => new("run") { Description = "The run's id." };

    static Option<bool> WatchOption() => new("--watch", "-w") { Description = "Follow the run to its end (live progress); exit 0 only if it succeeded." };

    static Command Start()
    {
        var reference = new Argument<string?>("pipeline") { Description = "A stored pipeline to run: name@namespace.domain[:version] or its id (or use -f).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "A pipeline document (YAML or JSON) to run; - reads standard input." };
        var param = new Option<string[]>("--param", "-p") { Description = "A run-time param, NAME=VALUE (repeatable).", AllowMultipleArgumentsPerToken = false };
        var watch = WatchOption();
        var output = OutputOptions.Create();
        var start = new Command("start", "Start a run of a pipeline document (-f) or of a stored pipeline.") { reference, file, param, watch, output };
        start.Handle(async (result, ct) =>
        {
            var parameters = RunDocuments.ParseParams(result.GetValue(param) ?? []);
            var (path, name) = (result.GetValue(file), result.GetValue(reference));
            if ((path is null) == (name is null))
                throw new CliException("Give either a pipeline document (-f FILE) or a stored pipeline's name, not both.");
            using var client = MflowCli.Client(result);
            JsonNode accepted;
            IdempotencyKey key;
            if (path is not null)
            {
                var document = RunDocuments.WithParams(await RunDocuments.ReadAsync(path, ct), parameters);
                key = RunDocuments.HasIdempotencyKey(document) ? IdempotencyKey.WithoutHeader : IdempotencyKey.New();
                accepted = await client.SendDocumentAsync(HttpMethod.Post, "api/v1/runs", document, key, ct);
            }
            else
            {
                key = IdempotencyKey.New();
                accepted = await client.PostJsonAsync($"api/v1/pipelines/{Uri.EscapeDataString(name!)}/runs", new { @params = parameters }, key, ct);
            }

            return await AcceptedAsync(client, accepted, key, result.GetValue(watch), result.GetValue(output), ct);
        });
        return start;
    }

    // What POST .../runs, rerun and resume answer; then the run is watched if asked. A key made by
    // this command line is new, so a run it already names was started by an earlier try of this one.
    static async Task<int> AcceptedAsync(ApiClient client, JsonNode accepted, IdempotencyKey key, bool watch, OutputFormat format, CancellationToken ct)
    {
        var id = Guid.Parse(accepted.Text("id")!);
        if (format == OutputFormat.Table)
        {
            var how = accepted["created"]?.GetValue<bool>() == false && key.Header is null ? "exists already (same idempotency key)"
                : accepted.Text("state") is { } state ? $"is {state}" : "started";
            Console.WriteLine($"Run {id} {how}.");
        }
        else if (!watch)
        {
            // A run this command line's own key names was created by this command, on an earlier try.
            if (key.Header is not null)
                accepted["created"] = true;
            Printer.Print(accepted, format, _ => { });
        }

        return watch ? await RunWatcher.WatchAsync(client, id, format, ct) : 0;
    }

    static Command List()
    {
        var limit = new Option<int>("--limit") { Description = "How many runs, newest first (1 to 500).", DefaultValueFactory = _ => 50 };
        var pipeline = new Option<string?>("--pipeline") { Description = "Only runs of this pipeline." };
        var state = new Option<string?>("--state") { Description = "Only runs in this state (Running, Succeeded, Failed, ...)." };
        var output = OutputOptions.Create();
        var list = new Command("list", "List runs, newest first.") { limit, pipeline, state, output };
        list.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var runs = await client.GetAsync($"api/v1/runs?limit={result.GetValue(limit)}", ct);
            var (byPipeline, byState) = (result.GetValue(pipeline), result.GetValue(state));
            var shown = new JsonArray([.. runs.AsArray().Where(r => (byPipeline is null || r.Text("pipeline") == byPipeline)
                && (byState is null || string.Equals(r.Text("state"), byState, StringComparison.OrdinalIgnoreCase))).Select(r => r!.DeepClone())]);
            Printer.Print(shown, result.GetValue(output), rows => Printer.Table(rows.AsArray(),
                ("ID", r => r.Text("id")), ("PIPELINE", r => r.Text("pipeline")), ("STATE", r => r.Text("state")),
                ("TRIGGERED BY", r => r.Text("triggeredBy")), ("STARTED", r => Printer.Age(r.Time("createdAt"))),
                ("UPDATED", r => Printer.Age(r.Time("updatedAt")))));
            return 0;
        });
        return list;
    }

    static Command Get()
    {
        var id = RunId();
        var output = OutputOptions.Create();
        var get = new Command("get", "Show a run: its state, stages and tasks.") { id, output };
        get.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var run = await client.GetAsync($"api/v1/runs/{result.GetValue(id)}", ct);
            Printer.Print(run, result.GetValue(output), Show);
            return 0;
        });
        return get;
    }

    static void Show(JsonNode run)
    {
        var progress = RunProgress.FromView(run);
        Printer.Fields(
            ("Run", run.Text("id")), ("Pipeline", run.Text("pipeline")), ("State", run.Text("state")), ("Mode", run.Text("mode")),
            ("Triggered by", $"{run.Text("triggeredBy")} ({run.Text("trigger")})"), ("Created", Printer.When(progress.CreatedAt)),
            ("Completed", progress.CompletedAt is { } end ? $"{Printer.When(end)} (took {Durations.Format(end - progress.CreatedAt)})" : null),
            ("Reason", run.Text("reason") ?? run.Text("cancelReason")),
            ("Rerun of", run.Text("rerunOf")));
        foreach (var gate in (run["approvals"] as JsonArray ?? []).OfType<JsonNode>())
            Console.WriteLine($"Approval:  stage '{gate.Text("stage")}' {gate.Text("state")}{(gate.Text("decidedBy") is { } by ? $" by {by}" : "")}{(gate.Text("message") is { } message ? $": {message}" : "")}");
        Console.WriteLine();
        var now = DateTimeOffset.UtcNow;
        var rows = new List<JsonNode>();
        foreach (var stage in (run["stages"] as JsonArray ?? []).OfType<JsonNode>())
        {
            foreach (var task in (stage["tasks"] as JsonArray ?? []).OfType<JsonNode>())
            {
                var (started, finished) = (task.Time("startedAt"), task.Time("finishedAt"));
                rows.Add(new JsonObject
                {
                    ["stage"] = stage.Text("name"),
                    ["task"] = task.Text("name"),
                    ["kind"] = task.Text("kind"),
                    ["state"] = task.Text("state"),
                    ["attempt"] = task.Text("attempt") is "0" ? "" : task.Text("attempt"),
                    ["duration"] = started is { } from ? Durations.Format((finished ?? now) - from) : "",
                    ["detail"] = task.Text("state") == "Failed" ? RunWatcher.FailureReason(task)
                        : string.Join(", ", (task["outputs"] as JsonObject ?? []).Select(o => $"{o.Key}={o.Value}")),
                });
            }
        }

        Printer.Table(rows, ("STAGE", r => r.Text("stage")), ("TASK", r => r.Text("task")), ("KIND", r => r.Text("kind")), ("STATE", r => r.Text("state")),
            ("ATTEMPT", r => r.Text("attempt")), ("DURATION", r => r.Text("duration")), ("OUTPUTS / REASON", r => r.Text("detail")));
    }

    static Command Logs()
    {
        var id = RunId();
        var task = new Argument<string?>("task") { Description = "The task (default: every task that ran, one after another).", Arity = ArgumentArity.ZeroOrOne };
        var attempt = new Option<int?>("--attempt") { Description = "Which attempt (default: the latest)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Stream the log of a running task until it ends." };
        var raw = new Option<bool>("--raw") { Description = "Write the log's bytes as stored, escape sequences included (by default control characters are shown as ^[, ^G, ...)." };
        var logs = new Command("logs", "Print a task's log (secrets masked).") { id, task, attempt, follow, raw };
        logs.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var runId = result.GetValue(id);
            var number = result.GetValue(attempt);
            if (result.GetValue(task) is { } name)
            {
                await CopyLogAsync(client, runId, name, number, result.GetValue(follow), result.GetValue(raw), ct);
                return 0;
            }

            if (result.GetValue(follow))
                throw new CliException("--follow streams one task's log: name the task (mflow run get shows them).");
            var run = RunProgress.FromView(await client.GetAsync($"api/v1/runs/{runId}", ct));
            foreach (var stage in run.Stages)
            {
                foreach (var started in stage.Tasks.Where(t => t.Attempt > 0))
                {
                    Console.WriteLine($"==> {stage.Name}/{started.Name} (attempt {number ?? started.Attempt}, {started.State}) <==");
                    try
                    {
                        await CopyLogAsync(client, runId, started.Name, number, follow: false, result.GetValue(raw), ct);
                    }
                    catch (ApiException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
                    {
                        Console.WriteLine("(no log captured yet)");
                    }

                    Console.WriteLine();
                }
            }

            return 0;
        });
        return logs;
    }

    static async Task CopyLogAsync(ApiClient client, Guid runId, string task, int? attempt, bool follow, bool raw, CancellationToken ct)
    {
        var query = new List<string>();
        if (attempt is { } number)
            query.Add($"attempt={number}");
        if (follow)
            query.Add("follow=true");
        var path = $"api/v1/runs/{runId}/tasks/{Uri.EscapeDataString(task)}/log{(query.Count > 0 ? "?" + string.Join('&', query) : "")}";
        using var response = await client.OpenStreamAsync(path, "text/plain", [], ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        // Copied as it arrives, so that a followed log shows each line when it is written.
        var buffer = new byte[16 * 1024];
        int read;
        if (raw)
        {
            await TerminalText.RawOut.FlushAsync(ct);
            await using var stdout = Console.OpenStandardOutput();
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                await stdout.WriteAsync(buffer.AsMemory(0, read), ct);
                await stdout.FlushAsync(ct);
            }

            return;
        }

        // The task's output is the task author's: through Console.Out, which shows its control characters.
        // The decoder keeps a UTF-8 character cut by a read for the next one.
        var decoder = Encoding.UTF8.GetDecoder();
        var text = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        do
        {
            read = await body.ReadAsync(buffer, ct);
            var count = decoder.GetChars(buffer, 0, read, text, 0, flush: read == 0);
            await Console.Out.WriteAsync(text.AsMemory(0, count), ct);
            await Console.Out.FlushAsync(ct);
        }
        while (read > 0);
    }

    static Command Watch()
    {
        var id = RunId();
        var output = OutputOptions.Create();
        var watch = new Command("watch", "Follow a run to its end with live progress; exit 0 only if it succeeded.") { id, output };
        watch.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            return await RunWatcher.WatchAsync(client, result.GetValue(id), result.GetValue(output), ct);
        });
        return watch;
    }

    static Command Cancel()
    {
        var id = RunId();
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the run)." };
        var cancel = new Command("cancel", "Cancel a run: its running tasks are stopped.") { id, reason };
        cancel.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var query = result.GetValue(reason) is { } why ? $"?reason={Uri.EscapeDataString(why)}" : "";
            await client.PostJsonAsync($"api/v1/runs/{result.GetValue(id)}/cancel{query}", null, ct);
            Console.WriteLine($"Run {result.GetValue(id)} is cancelling.");
            return 0;
        });
        return cancel;
    }

    static Command Decide(string verb, string description)
    {
        var id = RunId();
        var comment = new Option<string?>("--comment", "-m") { Description = "A comment kept with the decision." };
        var output = OutputOptions.Create();
        var decide = new Command(verb, description) { id, comment, output };
        decide.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var gate = await client.PostJsonAsync($"api/v1/runs/{result.GetValue(id)}/{verb}", new { comment = result.GetValue(comment) }, ct);
            Printer.Print(gate, result.GetValue(output), g => Console.WriteLine($"Stage '{g.Text("stage")}' of run {result.GetValue(id)}: {g.Text("state")?.ToLowerInvariant()} by {g.Text("decidedBy")}."));
            return 0;
        });
        return decide;
    }

    static Command Again(string verb, string description)
    {
        var id = RunId();
        var watch = WatchOption();
        var output = OutputOptions.Create();
        var again = new Command(verb, description) { id, watch, output };
        again.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            // A rerun's key makes a repeat answer the run the first try started. The server reads no
            // key for resume, whose repeat is safe anyway: it resumes only a Failed or Cancelled run.
            var key = verb == "rerun" ? IdempotencyKey.New() : IdempotencyKey.WithoutHeader;
            var accepted = await client.PostJsonAsync($"api/v1/runs/{result.GetValue(id)}/{verb}", null, key, ct);
            return await AcceptedAsync(client, accepted, key, result.GetValue(watch), result.GetValue(output), ct);
        });
        return again;
    }
}
