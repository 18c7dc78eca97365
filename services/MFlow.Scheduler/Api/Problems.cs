using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Api;

/// <summary>The API's problem details, in one place so they read alike.</summary>
public static class Problems
{
    /// <summary>400 naming every invalid field.</summary>
    public static IResult Invalid(PipelineValidationException ex, string title) =>
        Results.ValidationProblem(ex.Errors.ToDictionary(e => e.Key, e => e.Value), title: title, type: "https://mflow.dev/problems/invalid");

    /// <summary>404.</summary>
    public static IResult NotFound(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    /// <summary>409 with the reason.</summary>
    public static IResult Conflict(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
