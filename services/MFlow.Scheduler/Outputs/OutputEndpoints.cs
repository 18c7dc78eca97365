using System.Text.Json;
using MFlow.Documents;
using System.Text.RegularExpressions;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Outputs;

/// <summary>
/// POST /api/v1/tasks/{id}/outputs: a running task writes back its outputs with its own update
/// token (Authorization: Bearer &lt;token&gt;), the one route no API key opens. Values flow into later
/// stages; a markdown summary is shown with the run.
/// </summary>
public static partial class OutputEndpoints
{
    /// <summary>The largest request body accepted (the per-task limit plus room for JSON).</summary>
    public const int MaxBodyBytes = TaskOutputStore.MaxTaskBytes * 2;

    /// <summary>The most outputs one request may write.</summary>
    public const int MaxValues = 1000;

    // {"values": {"NAME": "value", ...}, "summary": "..."}: two levels, a value per output.
    static readonly DocumentLimits BodyLimits = new("outputs request", MaxBodyBytes, 4, MaxValues + 8, 0, MaxBodyBytes);

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapOutputEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tasks/{id:guid}/outputs", WriteAsync).AllowAnonymous().AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(OutputsRequest))
            .WithSummary("A running task writes its outputs and summary back, with its own update token (Authorization: Bearer <token>) instead of an API key.");
        return app;
    }

    static async Task<IResult> WriteAsync(Guid id, HttpRequest http, TaskTokenStore tokens, TaskOutputStore outputs, Database database, CancellationToken ct)
    {
        if (ApiKeyAuthenticationHandler.BearerToken(http) is not { } token)
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "An update token is required.", detail: "Send the task's update token ($_JOB_TASK_UPDATE_TOKEN) as 'Authorization: Bearer <token>'.");

        var match = await tokens.MatchAsync(id, token, ct);
        if (match is not { } issued)
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The update token is not valid for this task.", detail: "Use the token the task received in $_JOB_TASK_UPDATE_TOKEN.");

        TaskRecord? record;
        await using (var connection = await database.OpenAsync(ct))
            record = await RunStatusReader.LatestAttemptAsync(connection, id, ct);
        if (issued.NewestAttempt > issued.Attempt || (record is not null && (record.Attempt > issued.Attempt || (record.Attempt == issued.Attempt && record.IsTerminal))))
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The task has ended.", detail: "An update token is valid only while its task attempt runs.");

        OutputsRequest? body;
        try
        {
            // Read within the route's limit (a longer body is answered 413 as soon as it is over it).
            body = BoundedReader.ReadJson<OutputsRequest>(await RequestBody.ReadBytesAsync(http, ct), BodyLimits, JsonSerializerOptions.Web);
        }
        catch (Exception ex) when (ex is JsonException or DocumentLimitException { TooLarge: false })
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Not outputs as JSON: {TextRules.Shown(ex.Message, 300)}"] }, title: "The outputs are not valid.");
        }

        var values = body?.Values ?? [];
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, value) in values)
        {
            if (!NamePattern().IsMatch(name))
                errors[$"values.{TextRules.Shown(name)}"] = [$"'{TextRules.Shown(name)}' is not a valid output name: letters, digits and '_', starting with a letter, at most 128 characters."];
            else if (value is null)
                errors[$"values.{name}"] = ["An output needs a value."];
            else if (value.Any(TextRules.IsForbiddenInText))
                errors[$"values.{name}"] = ["An output value may not contain control characters other than tab and line breaks."];
            if (errors.Count >= 100)
                break;
        }

        if (body?.Summary is { } summary && summary.Any(TextRules.IsForbiddenInText))
            errors["summary"] = ["The summary may not contain control characters other than tab and line breaks."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors, title: "The outputs are not valid.");
        foreach (var (name, value) in values)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(value!);
            if (size > TaskOutputStore.MaxValueBytes)
                return TooLarge($"Output {name} is {size} bytes; the limit is {TaskOutputStore.MaxValueBytes} bytes per value.");
        }

        var outcome = await outputs.WriteAsync(issued.RunId, id, issued.Attempt, values.ToDictionary(v => v.Key, v => v.Value!), body?.Summary, ct);
        return outcome.Stored
            ? Results.Ok(new { stored = values.Count, totalBytes = outcome.TotalBytes, limitBytes = TaskOutputStore.MaxTaskBytes })
            : TooLarge($"The task's outputs would total {outcome.TotalBytes} bytes; the limit is {TaskOutputStore.MaxTaskBytes} bytes per task.");
    }

    static IResult TooLarge(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The outputs are too large.", detail: detail);

    /// <summary>The body: named values and an optional markdown summary.</summary>
    public sealed record OutputsRequest(Dictionary<string, string?>? Values, string? Summary);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,127}\\z")]
    private static partial Regex NamePattern();
}
