using MassTransit;
using MFlow.Contracts;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Api;

/// <summary>
/// Running a run again: <c>POST /api/v1/runs/{id}/rerun</c> starts a new run from its snapshot;
/// <c>POST /api/v1/runs/{id}/resume</c> continues a Failed or Cancelled run in place, its tasks that
/// did not succeed running again as their next attempt.
/// </summary>
public static class RunAttemptEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapRunAttemptEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/runs/{id:guid}/rerun", RerunAsync).RequireAuthorization(ApiRoles.Operator)
            .WithSummary("Starts a new run from the run's snapshot.").Produces<RunAccepted>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPost("/api/v1/runs/{id:guid}/resume", ResumeAsync).RequireAuthorization(ApiRoles.Operator)
            .WithSummary("Continues a failed or cancelled run from the stage it stopped in.").Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    static async Task<IResult> RerunAsync(Guid id, HttpRequest http, RunStore store, RunRerunner rerunner, CancellationToken cancellationToken)
    {
        var key = http.Headers["Idempotency-Key"].FirstOrDefault();
        var who = http.HttpContext.User.Actor();
        try
        {
            PipelineValidator.ValidateRunValues(new Dictionary<string, string>(), who, "rerun", key);
        }
        catch (PipelineValidationException ex)
        {
            return Problems.Invalid(ex, "The rerun request is not valid.");
        }

        var original = await store.GetAsync(id, cancellationToken);
        if (original is null)
            return Problems.NotFound($"There is no run {id}.");

        SubmittedRun run;
        try
        {
            run = await rerunner.RerunAsync(original, key, who, cancellationToken);
        }
        catch (Control.ConcurrencyLimitException ex)
        {
            return Problems.Conflict("The run's concurrency group is full.", ex.Message);
        }

        var location = $"/api/v1/runs/{run.RunId}";
        var accepted = new RunAccepted(run.RunId, run.Created, location);
        return run.Created ? Results.Created(location, accepted) : Results.Ok(accepted);
    }

    static async Task<IResult> ResumeAsync(Guid id, HttpRequest http, RunStore store, Control.RunControl control, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken);
        if (run is null)
            return Problems.NotFound($"There is no run {id}.");
        var state = RunView.RunStateName(run);
        if (state is not ("Failed" or "Cancelled"))
            return Problems.Conflict("The run cannot be resumed.", $"Run {id} is {state}; only a Failed or Cancelled run can be resumed (a rerun starts a new run of any).");

        // Resuming in place would bypass what admitted the run (its concurrency slot was freed when it
        // ended) or what already ran after its failure (its finally stages): a rerun does both right.
        if (run.Plan.Concurrency is { } concurrency)
            return Problems.Conflict("The run cannot be resumed.", $"Run {id} belongs to concurrency group '{concurrency.Group}', whose slot it gave up when it ended; rerun it to queue for a slot again.");
        // It resumes in the first stage that did not succeed. Stages dispatched after it (finally stages
        // that ran after its failure) would not run again, and its approval gate, if any, must have
        // been passed: resuming never dispatches what nobody approved.
        var resumeAt = run.RunState?.Stages.OrderBy(s => s.Index).FirstOrDefault(s => !(s.Completed && s.Succeeded))?.Index;
        if (resumeAt is { } at && run.DispatchedStage > at)
            return Problems.Conflict("The run cannot be resumed.", $"Run {id} failed in stage '{run.Plan.Stages[at].Name}', and later stages (its finally stages) have run since; rerun it instead.");
        if (resumeAt is { } gated && run.Plan.Stages[gated].Approval is not null
            && !(await control.ViewAsync(id, cancellationToken)).Approvals.Any(a => a.StageIndex == gated && a.State == "Approved"))
            return Problems.Conflict("The run cannot be resumed.", $"Run {id} stopped before its approval gate at stage '{run.Plan.Stages[gated].Name}' was approved; rerun it to ask again.");

        await publish.Publish(new ResumePipelineRun { RunId = id, RequestedBy = http.HttpContext.User.Actor() }, cancellationToken);
        return Results.Accepted($"/api/v1/runs/{id}", new { id, state = "Running" });
    }
}
