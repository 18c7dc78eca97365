using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Api;

/// <summary>
/// Answers a request that failed because the database cannot be used right now (unreachable,
/// restarting, out of connections) with 503 and Retry-After, so a client knows to try again, instead
/// of a 500 that reads as a bug. A request's writes are one transaction, so one that failed there
/// stored nothing; a client that must not repeat a run sends its Idempotency-Key again.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>The seconds a client is asked to wait.</summary>
    public const int RetryAfterSeconds = 5;

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Unavailable(exception) is not { } cause)
            return false;

        // The driver's words say which (a refused connection, a full pool, a timeout); they name no credential.
        logger.LogWarning("{Method} {Path}: the database is unavailable ({Error}: {Reason}{Cause})", httpContext.Request.Method, httpContext.Request.Path,
            cause.GetType().Name, cause.Message, cause.InnerException is { } inner ? $" ({inner.Message})" : "");
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable.",
                Detail = $"The database cannot be reached or takes no more connections right now; try again in {RetryAfterSeconds} s.",
            },
        });
    }

    static DbException? Unavailable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException db && BusExtensions.IsDatabaseUnavailable(db))
                return db;
        }

        return null;
    }
}
