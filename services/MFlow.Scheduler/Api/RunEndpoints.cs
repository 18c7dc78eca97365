using MassTransit;
using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Outputs;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Api;

/// <summary>The runs API: start, read, list and cancel pipeline runs.</summary>
public static class RunEndpoints
{
    /// <summary>Maps /api/v1/runs.</summary>
    public static IEndpointRouteBuilder MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/runs");
        runs.MapPost("/", StartAsync).RequireAuthorization(ApiRoles.Operator);
        runs.MapGet("/", ListAsync).RequireAuthorization(ApiRoles.Viewer);
        runs.MapGet("/{id:guid}", GetAsync).RequireAuthorization(ApiRoles.Viewer);
        runs.MapPost("/{id:guid}/cancel", CancelAsync).RequireAuthorization(ApiRoles.Operator);
        runs.MapGet("/{id:guid}/tasks/{task}/log", GetLogAsync).RequireAuthorization(ApiRoles.Viewer);
        app.MapPost("/api/v1/pipelines/{reference}/runs", StartStoredAsync).RequireAuthorization(ApiRoles.Operator);
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

    static async Task<IResult> GetAsync(Guid id, RunStore store, TaskOutputStore outputs, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken);
        return run is null ? RunNotFound(id) : Results.Ok(RunView.From(run, await outputs.ForRunAsync(id, cancellationToken)));
    }

    static async Task<IResult> ListAsync(RunStore store, int? limit, CancellationToken cancellationToken)
    {
        var runs = await store.ListAsync(Math.Clamp(limit ?? 50, 1, 500), cancellationToken);
        return Results.Ok(runs.Select(r => RunView.From(r)));
    }

    static async Task<IResult> CancelAsync(Guid id, HttpRequest http, RunStore store, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken);
        if (run is null)
            return RunNotFound(id);

        var reason = http.Query["reason"].FirstOrDefault() ?? "cancelled through the API";
        await publish.Publish(new CancelPipelineRun { RunId = id, Reason = reason, RequestedBy = http.HttpContext.User.Actor() }, cancellationToken);
        return Results.Accepted($"/api/v1/runs/{id}", new { id, state = "Cancelling" });
    }

    static async Task<IResult> GetLogAsync(Guid id, string task, int? attempt, TaskLogStore logs, CancellationToken cancellationToken)
    {
        var log = await logs.GetAsync(id, task, attempt, cancellationToken);
        if (log is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No log.",
                detail: $"Run {id} has no captured log for task '{task}'{(attempt is null ? "" : $" attempt {attempt}")} (yet: a log is captured when the attempt ends).");
        }

        return Results.Text(log.Log, "text/plain; charset=utf-8");
    }

    static IResult RunNotFound(Guid id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such run.", detail: $"There is no run {id}.");

    static RunMode ParseMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        null or "" or "normal" => RunMode.Normal,
        "rollback" => RunMode.Rollback,
        _ => throw PipelineValidationException.For("mode", $"Unknown run mode '{mode}': expected normal or rollback."),
    };

}

/// <summary>What POST /api/v1/runs answers: the run, and whether this request created it.</summary>
public sealed record RunAccepted(Guid Id, bool Created, string Location);
