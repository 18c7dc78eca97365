using MassTransit;
using MFlow.Contracts;
using MFlow.Kubernetes.Naming;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Outputs;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Api;

/// <summary>The runs API: start, read, list and cancel pipeline runs.</summary>
public static class RunEndpoints
{
    /// <summary>The largest pipeline document or run request, in bytes.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>The most runs one list returns.</summary>
    public const int MaxListLimit = 500;

    /// <summary>Maps /api/v1/runs.</summary>
    public static IEndpointRouteBuilder MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/runs");
        runs.MapPost("/", StartAsync).RequireAuthorization(ApiRoles.Operator).AcceptsBody(MaxDocumentBytes, BodyRules.Documents).DescribesBody(typeof(RunRequestDocument))
            .WithSummary("Starts a run of the pipeline document in the body (YAML or JSON); an Idempotency-Key makes a retry answer the same run.")
            .Produces<RunAccepted>(StatusCodes.Status201Created).Produces<RunAccepted>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        runs.MapGet("/", ListAsync).RequireAuthorization(ApiRoles.Viewer)
            .WithSummary("Lists the newest runs first (limit: 1 to 500, default 50).").Produces<IReadOnlyList<RunSummaryView>>().ProducesValidationProblem();
        runs.MapGet("/{id:guid}", GetAsync).RequireAuthorization(ApiRoles.Viewer)
            .WithSummary("A run with its stages, tasks, attempts, outputs and approvals.").Produces<RunView>().ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id:guid}/cancel", CancelAsync).RequireAuthorization(ApiRoles.Operator)
            .WithSummary("Cancels the run (reason in the query).").Produces(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id:guid}/tasks/{task}/log", GetLogAsync).RequireAuthorization(ApiRoles.Viewer)
            .WithSummary("A task attempt's log (secrets masked); with follow=true, a running attempt's log as it is written, ending with the attempt.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/v1/pipelines/{reference}/runs", StartStoredAsync).RequireAuthorization(ApiRoles.Operator).AcceptsBody(MaxDocumentBytes, BodyRules.Documents)
            .DescribesBody(typeof(RunRequestDocument)).WithSummary("Starts a run of a stored pipeline (name@namespace.domain:version) with run-time values.")
            .Produces<RunAccepted>(StatusCodes.Status201Created).Produces<RunAccepted>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    static async Task<IResult> StartAsync(HttpRequest http, RunSubmitter submitter, CancellationToken cancellationToken)
    {
        try
        {
            var document = PipelineDocumentParser.ParseRunRequest(await RequestBody.ReadAsync(http, cancellationToken));
            if (document.Pipeline is null)
                throw PipelineValidationException.For("pipeline", "The request needs a pipeline document.");
            return Accepted(await submitter.SubmitAsync(ToRunRequest(document, document.Pipeline, http), cancellationToken));
        }
        catch (PipelineValidationException ex)
        {
            return Problems.Invalid(ex, "The pipeline run request is not valid.");
        }
        catch (Control.ConcurrencyLimitException ex)
        {
            return Problems.Conflict("The run's concurrency group is full.", ex.Message);
        }
    }

    static async Task<IResult> StartStoredAsync(string reference, HttpRequest http, RunSubmitter submitter, CancellationToken cancellationToken)
    {
        try
        {
            var body = await RequestBody.ReadAsync(http, cancellationToken);
            var document = string.IsNullOrWhiteSpace(body)
                ? new RunRequestDocument()
                : PipelineDocumentParser.Deserialize<RunRequestDocument>(body, "body");
            if (document.Pipeline is not null)
                throw PipelineValidationException.For("pipeline", "A stored pipeline's run takes run-time values only (params, triggeredBy, trigger, mode); to run another document, POST /api/v1/runs.");
            return Accepted(await submitter.SubmitStoredAsync(reference, ToRunRequest(document, new PipelineDocument(), http), cancellationToken));
        }
        catch (PipelineValidationException ex)
        {
            return Problems.Invalid(ex, "The pipeline run request is not valid.");
        }
        catch (Control.ConcurrencyLimitException ex)
        {
            return Problems.Conflict("The run's concurrency group is full.", ex.Message);
        }
    }

    // The run-time values of a request; the Idempotency-Key header wins over the body's key.
    static RunRequest ToRunRequest(RunRequestDocument document, PipelineDocument pipeline, HttpRequest http) => new()
    {
        Pipeline = pipeline,
        Params = document.Params ?? [],
        IdempotencyKey = http.Headers["Idempotency-Key"].FirstOrDefault() ?? document.IdempotencyKey,
        TriggeredBy = document.TriggeredBy ?? http.HttpContext.User.Actor(),
        Trigger = document.Trigger ?? "api",
        Mode = ParseMode(document.Mode),
    };

    static IResult Accepted(SubmittedRun run)
    {
        var location = $"/api/v1/runs/{run.RunId}";
        var accepted = new RunAccepted(run.RunId, run.Created, location);
        return run.Created ? Results.Created(location, accepted) : Results.Ok(accepted);
    }

    static async Task<IResult> GetAsync(Guid id, RunStore store, TaskOutputStore outputs, Control.RunControl control, CancellationToken cancellationToken) =>
        await ReadViewAsync(id, store, outputs, control, cancellationToken) is { } view ? Results.Ok(view) : RunNotFound(id);

    /// <summary>The run as GET /api/v1/runs/{id} shows it, or null for an unknown run.</summary>
    public static async Task<RunView?> ReadViewAsync(Guid id, RunStore store, TaskOutputStore outputs, Control.RunControl control, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken);
        return run is null ? null : RunView.From(run, await outputs.ForRunAsync(id, cancellationToken), await control.ViewAsync(id, cancellationToken));
    }

    static async Task<IResult> ListAsync(RunStore store, string? limit, CancellationToken cancellationToken)
    {
        var count = 50;
        if (limit is not null && (!int.TryParse(limit, out count) || count is < 1 or > MaxListLimit))
            return Invalid("limit", $"'{TextRules.Shown(limit)}' is not a number of runs from 1 to {MaxListLimit}.");
        var runs = await store.ListSummariesAsync(count, cancellationToken);
        return Results.Ok(runs.Select(RunSummaryView.From));
    }

    static async Task<IResult> CancelAsync(Guid id, HttpRequest http, RunStore store, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var reason = http.Query["reason"].FirstOrDefault() ?? "cancelled through the API";
        if (TextRules.CheckLine(reason) is { } problem)
            return Invalid("reason", $"The reason {problem}");
        var run = await store.GetAsync(id, cancellationToken);
        if (run is null)
            return RunNotFound(id);

        await publish.Publish(new CancelPipelineRun { RunId = id, Reason = reason, RequestedBy = http.HttpContext.User.Actor() }, cancellationToken);
        return Results.Accepted($"/api/v1/runs/{id}", new { id, state = "Cancelling" });
    }

    static async Task<IResult> GetLogAsync(
        Guid id, string task, string? attempt, string? follow, HttpContext http, TaskLogStore logs, RunStore store, CancellationToken cancellationToken)
    {
        if (follow is not (null or "true" or "false"))
            return Invalid("follow", $"'{TextRules.Shown(follow)}' is not true or false.");
        if (!KubernetesNames.IsDns1123Label(task))
            return Invalid("task", $"'{TextRules.Shown(task)}' is not a task name.");
        int? number = null;
        if (attempt is not null)
        {
            if (!int.TryParse(attempt, out var parsed) || parsed < 1)
                return Invalid("attempt", $"'{TextRules.Shown(attempt)}' is not an attempt number (1, 2, ...).");
            number = parsed;
        }

        if (follow == "true")
            return await FollowLogAsync(id, task, number, http, logs, store);

        var log = await logs.GetAsync(id, task, number, cancellationToken);
        if (log is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No log.",
                detail: $"Run {id} has no captured log for task '{TextRules.Shown(task)}'{(number is null ? "" : $" attempt {number}")} (yet: a log is captured when the attempt ends).");
        }

        return Results.Text(log.Log, "text/plain; charset=utf-8");
    }

    // The attempt asked for, or the task's current one; counted among the replica's streams.
    static async Task<IResult> FollowLogAsync(Guid id, string task, int? attempt, HttpContext http, TaskLogStore logs, RunStore store)
    {
        var services = http.RequestServices;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var run = await store.GetAsync(id, stop.Token);
        if (run is null)
            return RunNotFound(id);
        if (run.Plan.Stages.SelectMany(s => s.Tasks).FirstOrDefault(t => t.Name == task) is not { } planned)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such task.", detail: $"Run {id} has no task '{TextRules.Shown(task)}'.");

        var (lease, refusal) = services.GetRequiredService<Events.RunEventStreams>().TryOpen(http.User.Actor());
        if (lease is null)
        {
            http.Response.Headers.RetryAfter = "5";
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many streams.", detail: refusal);
        }

        using (lease)
        {
            var number = attempt ?? Math.Max(1, run.RunState?.CurrentAttempts.GetValueOrDefault(planned.TaskId) ?? 1);
            try
            {
                await TaskLogFollower.FollowAsync(
                    http, id, planned.TaskId, task, number, logs, services.GetRequiredService<Persistence.Runs.RunEventSignal>(), services.GetService<ServiceDefaults.LiveTaskLogs>(),
                    services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Events.RunEventStreamOptions>>().Value.Keepalive, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }

            return Results.Empty;
        }
    }

    /// <summary>404 for a run that does not exist.</summary>
    public static IResult RunNotFound(Guid id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such run.", detail: $"There is no run {id}.");

    static RunMode ParseMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        null or "" or "normal" => RunMode.Normal,
        "rollback" => RunMode.Rollback,
        _ => throw PipelineValidationException.For("mode", $"Unknown run mode '{TextRules.Shown(mode)}': expected normal or rollback."),
    };

    static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.", type: "https://mflow.dev/problems/invalid");

}

/// <summary>What POST /api/v1/runs answers: the run, and whether this request created it.</summary>
public sealed record RunAccepted(Guid Id, bool Created, string Location);
