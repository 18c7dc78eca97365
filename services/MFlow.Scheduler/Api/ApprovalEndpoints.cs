using System.Security.Claims;
using System.Text.Json;
using MFlow.Documents;
using MFlow.Scheduler.Control;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Api;

/// <summary>POST /api/v1/runs/{id}/approve and /reject: decide the approval gate a run waits at.</summary>
public static class ApprovalEndpoints
{
    /// <summary>The largest request body.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    static readonly DocumentLimits BodyLimits = new("request body", MaxBodyBytes, 4, 16, 0, MaxBodyBytes);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapApprovalEndpoints(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/runs");
        runs.MapPost("/{id:guid}/approve", (Guid id, HttpRequest http, RunStore store, RunControl control, CancellationToken ct) => DecideAsync(id, approve: true, http, store, control, ct))
            .RequireAuthorization(ApiRoles.Operator).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(DecisionRequest))
            .Produces<ApprovalView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        runs.MapPost("/{id:guid}/reject", (Guid id, HttpRequest http, RunStore store, RunControl control, CancellationToken ct) => DecideAsync(id, approve: false, http, store, control, ct))
            .RequireAuthorization(ApiRoles.Operator).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(DecisionRequest))
            .Produces<ApprovalView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    static async Task<IResult> DecideAsync(Guid id, bool approve, HttpRequest http, RunStore store, RunControl control, CancellationToken cancellationToken)
    {
        DecisionRequest request;
        try
        {
            var body = await RequestBody.ReadBytesAsync(http, cancellationToken);
            request = body.Length == 0 ? new DecisionRequest(null) : BoundedReader.ReadJson<DecisionRequest>(body, BodyLimits, JsonSerializerOptions.Web) ?? new DecisionRequest(null);
        }
        catch (Exception ex) when (ex is JsonException or DocumentLimitException { TooLarge: false })
        {
            return Invalid("body", $"Not a decision as JSON ({{\"comment\": \"...\"}}): {TextRules.Shown(ex.Message, 300)}");
        }

        if (TextRules.CheckText(request.Comment) is { } problem)
            return Invalid("comment", $"The comment {problem}");
        if (await store.GetAsync(id, cancellationToken) is null)
            return Problems.NotFound($"There is no run {id}.");

        var approver = new Approver(http.HttpContext.User.Actor(), http.HttpContext.User.FindFirst(ClaimTypes.Role)?.Value);
        var outcome = await control.DecideAsync(id, null, approve, approver, request.Comment, cancellationToken);
        return outcome.Result switch
        {
            DecisionResult.Decided => Results.Ok(ApprovalView.From(outcome.Gate!)),
            DecisionResult.NotAllowed => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not an approver of this gate.", detail: outcome.Problem),
            _ => Problems.Conflict("The run is not waiting for an approval.", $"Run {id}: {outcome.Problem}"),
        };
    }

    static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The decision is not valid.", type: "https://mflow.dev/problems/invalid");

    /// <summary>The body of approve and reject (optional).</summary>
    public sealed record DecisionRequest(string? Comment);
}

/// <summary>An approval gate as the API shows it: what it asks, who may decide, and the decision once made.</summary>
public sealed record ApprovalView(
    int StageIndex,
    string Stage,
    string State,
    string? Message,
    string? ApproverRole,
    IReadOnlyList<string> ApproverKeys,
    DateTimeOffset WaitingSince,
    DateTimeOffset? ExpiresAt,
    string? OnTimeout,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Comment)
{
    /// <summary>Builds the view; State is Waiting, Approved, Rejected or Closed (the run ended while it waited).</summary>
    public static ApprovalView From(ApprovalRecord gate) => new(
        gate.StageIndex, gate.StageName, gate.Decision ?? "Waiting", gate.Approval.Message, gate.Approval.Role, gate.Approval.Keys,
        gate.WaitingSince, gate.ExpiresAt, gate.Approval.Timeout is null ? null : gate.Approval.OnTimeout, gate.DecidedBy, gate.DecidedAt, gate.Comment);
}
