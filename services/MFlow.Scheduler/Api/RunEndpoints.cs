using MassTransit;
using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Api;

/// <summary>The runs API: start, read, list and cancel pipeline runs.</summary>
public static class RunEndpoints
{
    /// <summary>Maps /api/v1/runs.</summary>
    public static IEndpointRouteBuilder MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/runs");
        runs.MapPost("/", StartAsync);
        runs.MapGet("/", ListAsync);
        runs.MapGet("/{id:guid}", GetAsync);
        runs.MapPost("/{id:guid}/cancel", CancelAsync);
        runs.MapGet("/{id:guid}/tasks/{task}/log", GetLogAsync);
        return app;
    }

    static async Task<IResult> StartAsync(HttpRequest http, RunSubmitter submitter, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(http, cancellationToken);
        RunRequest request;
        try
        {
            var document = PipelineDocumentParser.ParseRunRequest(body);
            if (document.Pipeline is null)
                throw PipelineValidationException.For("pipeline", "The request needs a pipeline document.");
            request = new RunRequest
            {
                Pipeline = document.Pipeline,
                Params = document.Params ?? [],
                IdempotencyKey = http.Headers["Idempotency-Key"].FirstOrDefault() ?? document.IdempotencyKey,
                TriggeredBy = document.TriggeredBy,
                Trigger = document.Trigger ?? "api",
                Mode = ParseMode(document.Mode),
            };
            var run = await submitter.SubmitAsync(request, cancellationToken);
            var location = $"/api/v1/runs/{run.RunId}";
            var accepted = new RunAccepted(run.RunId, run.Created, location);
            return run.Created ? Results.Created(location, accepted) : Results.Ok(accepted);
        }
        catch (PipelineValidationException ex)
        {
            return Results.ValidationProblem(
                ex.Errors.ToDictionary(e => e.Key, e => e.Value),
                title: "The pipeline run request is not valid.",
                type: "https://mflow.dev/problems/invalid-pipeline");
        }
    }

    static async Task<IResult> GetAsync(Guid id, RunStore store, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken);
        return run is null ? RunNotFound(id) : Results.Ok(RunView.From(run));
    }

    static async Task<IResult> ListAsync(RunStore store, int? limit, CancellationToken cancellationToken)
    {
        var runs = await store.ListAsync(Math.Clamp(limit ?? 50, 1, 500), cancellationToken);
        return Results.Ok(runs.Select(RunView.From));
    }

    static async Task<IResult> CancelAsync(Guid id, HttpRequest http, RunStore store, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken);
        if (run is null)
            return RunNotFound(id);

        var reason = http.Query["reason"].FirstOrDefault() ?? "cancelled through the API";
        await publish.Publish(new CancelPipelineRun { RunId = id, Reason = reason, RequestedBy = "api" }, cancellationToken);
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

    static async Task<string> ReadBodyAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(http.Body);
        var buffer = new char[PipelineDocumentParser.MaxDocumentLength + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        return new string(buffer, 0, length);
    }
}

/// <summary>What POST /api/v1/runs answers: the run, and whether this request created it.</summary>
public sealed record RunAccepted(Guid Id, bool Created, string Location);
