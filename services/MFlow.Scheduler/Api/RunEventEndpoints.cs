using System.Globalization;
using System.Text;
using System.Text.Json;
using MFlow.Persistence.Runs;
using MFlow.Scheduler.Events;
using MFlow.Scheduler.Outputs;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace MFlow.Scheduler.Api;

/// <summary>
/// GET /api/v1/runs/{id}/events: a run's changes as Server-Sent Events, from the run's journal in the
/// database (any replica serves any run), woken by the journal's notifications rather than by polling.
/// Without Last-Event-ID the run's view comes first (event <c>snapshot</c>); with it, every change
/// after that id, once each and in order. The stream ends after the run's terminal event.
/// </summary>
public static class RunEventEndpoints
{
    /// <summary>The most events read from the journal at once.</summary>
    const int ReadBatch = 200;

    static readonly byte[] Keepalive = ": keepalive\n\n"u8.ToArray();

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapRunEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/runs/{id:guid}/events", StreamAsync).RequireAuthorization(ApiRoles.Viewer)
            .WithSummary("Streams the run's changes as Server-Sent Events.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    static async Task<IResult> StreamAsync(
        Guid id, HttpContext http, RunStore store, TaskOutputStore outputs, Control.RunControl control, RunEventJournal journal, RunEventSignal signal,
        RunEventStreams streams, IOptions<RunEventStreamOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IHostApplicationLifetime lifetime)
    {
        var resumeFrom = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["lastEventId"].FirstOrDefault();
        long? after = null;
        if (!string.IsNullOrEmpty(resumeFrom))
        {
            if (!long.TryParse(resumeFrom, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Results.ValidationProblem(
                    new Dictionary<string, string[]> { ["Last-Event-ID"] = [$"'{Pipelines.TextRules.Shown(resumeFrom)}' is not an event id (0, 1, 2, ...)."] },
                    title: "The request is not valid.", type: "https://mflow.dev/problems/invalid");
            }

            after = parsed;
        }

        var (lease, refusal) = streams.TryOpen(http.User.Actor());
        if (lease is null)
        {
            http.Response.Headers.RetryAfter = "5";
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many event streams.", detail: refusal);
        }

        using (lease)
        {
            // The client going away or this replica stopping ends the stream (a client reconnects elsewhere with Last-Event-ID).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            var cancellationToken = stop.Token;
            var serializer = json.Value.SerializerOptions;
            RunView? snapshot = null;
            if (after is null)
            {
                // The newest id first, the view after it: the view includes at least every change up to that id.
                after = await journal.LastIdAsync(id, cancellationToken);
                snapshot = await RunEndpoints.ReadViewAsync(id, store, outputs, control, cancellationToken);
                if (snapshot is null)
                    return RunEndpoints.RunNotFound(id);
            }
            else if (!await store.ExistsAsync(id, cancellationToken))
                return RunEndpoints.RunNotFound(id);

            await StartStreamAsync(http, cancellationToken);
            var body = http.Response.Body;
            try
            {
                if (snapshot is not null)
                {
                    await WriteEventAsync(body, after.Value, "snapshot", JsonSerializer.Serialize(snapshot, serializer), cancellationToken);
                    await body.FlushAsync(cancellationToken);
                    if (RunEventTypes.IsTerminal(snapshot.State))
                        return Results.Empty;
                }

                using var watch = signal.Watch(id);
                while (true)
                {
                    var woken = watch.Next();
                    var (events, ended) = await journal.ReadAsync(id, after.Value, ReadBatch, cancellationToken);
                    foreach (var change in events)
                    {
                        await WriteEventAsync(body, change.Id, change.Type, JsonSerializer.Serialize(RunEventViews.Data(id, change), serializer), cancellationToken);
                        after = change.Id;
                        if (change.EndsRun)
                            return Results.Empty;
                    }

                    if (events.Count == ReadBatch)
                        continue;
                    if (ended)
                        return Results.Empty; // ended at or before the client's last id: nothing more will come
                    if (events.Count > 0)
                        await body.FlushAsync(cancellationToken);

                    // Woken by a change of this run; else a keepalive, and a read in case a notification was lost.
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var keepalive = Task.Delay(options.Value.Keepalive, idle.Token);
                    var first = await Task.WhenAny(woken, keepalive);
                    await idle.CancelAsync();
                    cancellationToken.ThrowIfCancellationRequested();
                    if (first == keepalive)
                    {
                        await body.WriteAsync(Keepalive, cancellationToken);
                        await body.FlushAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Results.Empty;
            }
        }
    }

    // The headers go out at once: a client resuming a quiet run learns the stream is open before its next change.
    static async Task StartStreamAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx buffer responses unless told not to.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);
    }

    // JSON without indentation is one line (newlines inside strings are escaped), as an event's data line must be.
    static async Task WriteEventAsync(Stream body, long id, string type, string data, CancellationToken cancellationToken)
    {
        var text = $"id: {id.ToString(CultureInfo.InvariantCulture)}\nevent: {type}\ndata: {data}\n\n";
        await body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }
}
