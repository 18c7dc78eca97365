using System.Text.Json;
using MFlow.Scheduler.Api;
using MFlow.ServiceDefaults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MFlow.Scheduler.Tests.Api;

/// <summary>
/// A request that fails because the database cannot be used right now is answered 503 with
/// Retry-After, and a message that fails so is retried for minutes; a failing statement is neither.
/// </summary>
public sealed class When_the_database_is_unavailable
{
    public static TheoryData<string, bool> Errors => new()
    {
        { "53300", true },  // too_many_connections
        { "57P03", true },  // cannot_connect_now (starting up)
        { "57P01", true },  // admin_shutdown
        { "08006", true },  // connection_failure
        { "40001", false }, // serialization_failure: a conflict, retried quickly instead
        { "23505", false }, // unique_violation: the statement itself failed
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Should_tell_a_database_that_refuses_work_from_a_statement_that_failed(string sqlState, bool unavailable) =>
        Assert.Equal(unavailable, BusExtensions.IsDatabaseUnavailable(new PostgresException("refused", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void Should_count_a_connection_that_could_not_be_made_or_had_to_wait_too_long_as_unavailable() =>
        Assert.True(BusExtensions.IsDatabaseUnavailable(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));

    [Fact]
    public async Task Should_answer_503_with_retry_after_naming_the_database()
    {
        var context = await HandleAsync(new InvalidOperationException("wrapped", new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300")));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal(DatabaseUnavailableHandler.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal("The database is unavailable.", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        // The server's own words are not repeated to the client.
        Assert.DoesNotContain("too many clients", problem.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_leave_any_other_error_to_the_500_handler()
    {
        var context = await HandleAsync(new PostgresException("duplicate key", "ERROR", "ERROR", "23505"), handled: false);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
    }

    static async Task<DefaultHttpContext> HandleAsync(Exception exception, bool handled = true)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new DatabaseUnavailableHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<DatabaseUnavailableHandler>.Instance);

        Assert.Equal(handled, await handler.TryHandleAsync(context, exception, CancellationToken.None));
        return context;
    }
}
