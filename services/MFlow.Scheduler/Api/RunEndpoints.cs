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
        runs.MapPost("/", StartAsync).RequireAuthorization(ApiRoles.Operator).AcceptsBody(MaxDocumentBytes, BodyRules.Documents);
        runs.MapGet("/", ListAsync).RequireAuthorization(ApiRoles.Viewer);
        runs.MapGet("/{id:guid}", GetAsync).RequireAuthorization(ApiRoles.Viewer);
        runs.MapPost("/{id:guid}/cancel", CancelAsync).RequireAuthorization(ApiRoles.Operator);
        runs.MapGet("/{id:guid}/tasks/{task}/log", GetLogAsync).RequireAuthorization(ApiRoles.Viewer);
        app.MapPost("/api/v1/pipelines/{reference}/runs", StartStoredAsync).RequireAuthorization(ApiRoles.Operator).AcceptsBody(MaxDocumentBytes, BodyRules.Documents);
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

    static async Task<IResult> GetLogAsync(Guid id, string task, string? attempt, TaskLogStore logs, CancellationToken cancellationToken)
    {
        if (!KubernetesNames.IsDns1123Label(task))
            return Invalid("task", $"'{TextRules.Shown(task)}' is not a task name.");
        int? number = null;
        if (attempt is not null)
        {
            if (!int.TryParse(attempt, out var parsed) || parsed < 1)
                return Invalid("attempt", $"'{TextRules.Shown(attempt)}' is not an attempt number (1, 2, ...).");
            number = parsed;
        }

        var log = await logs.GetAsync(id, task, number, cancellationToken);
        if (log is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No log.",
                detail: $"Run {id} has no captured log for task '{TextRules.Shown(task)}'{(number is null ? "" : $" attempt {number}")} (yet: a log is captured when the attempt ends).");
        }

        return Results.Text(log.Log, "text/plain; charset=utf-8");
    }

    static IResult RunNotFound(Guid id) =>
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
