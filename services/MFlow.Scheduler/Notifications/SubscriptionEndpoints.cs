using System.Text.Json;
using MassTransit;
using MFlow.Documents;
using MFlow.Notifications;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Security;
using Microsoft.Extensions.Options;

namespace MFlow.Scheduler.Notifications;

/// <summary>
/// /api/v1/subscriptions: who hears about runs, and how (the notifier delivers). Admins change them;
/// viewers read them, never a secret, and URLs with their credentials masked.
/// </summary>
public static class SubscriptionEndpoints
{
    /// <summary>The largest request body.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    static readonly DocumentLimits BodyLimits = new("request body", MaxBodyBytes, 4, 1000, 0, MaxBodyBytes);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapSubscriptionEndpoints(this IEndpointRouteBuilder app)
    {
        var subscriptions = app.MapGroup("/api/v1/subscriptions");
        subscriptions.MapGet("/", async (SubscriptionStore store, CancellationToken ct) =>
            Results.Ok((await store.ListAsync(ct)).Select(SubscriptionView.Of)))
            .RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<SubscriptionView>>();
        subscriptions.MapGet("/{id:guid}", async (Guid id, SubscriptionStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct) is { } found ? Results.Ok(SubscriptionView.Of(found)) : NotFound(id))
            .RequireAuthorization(ApiRoles.Viewer).Produces<SubscriptionView>().ProducesProblem(StatusCodes.Status404NotFound);
        subscriptions.MapPost("/", async (HttpContext http, SubscriptionStore store, IOptions<NotificationOptions> options, CancellationToken ct) =>
        {
            var (request, invalid) = await ReadAsync(http, null, options.Value, ct);
            if (invalid is not null)
                return invalid;
            return await store.CreateAsync(request!, http.User.Actor(), ct) is { } created
                ? Results.Created($"/api/v1/subscriptions/{created.Id}", SubscriptionView.Of(created))
                : NameTaken(request!.Name!);
        }).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(SubscriptionRequest))
            .Produces<SubscriptionView>().ProducesValidationProblem();
        subscriptions.MapPut("/{id:guid}", async (Guid id, HttpContext http, SubscriptionStore store, IOptions<NotificationOptions> options, CancellationToken ct) =>
        {
            if (await store.GetAsync(id, ct) is not { } stored)
                return NotFound(id);
            var (request, invalid) = await ReadAsync(http, stored, options.Value, ct);
            if (invalid is not null)
                return invalid;
            var (updated, nameTaken) = await store.UpdateAsync(stored, request!, ct);
            return updated is not null ? Results.Ok(SubscriptionView.Of(updated)) : nameTaken ? NameTaken(request!.Name!) : NotFound(id);
        }).RequireAuthorization(ApiRoles.Admin).AcceptsBody(MaxBodyBytes, BodyRules.Json).DescribesBody(typeof(SubscriptionRequest))
            .Produces<SubscriptionView>().ProducesValidationProblem();
        subscriptions.MapDelete("/{id:guid}", async (Guid id, SubscriptionStore store, CancellationToken ct) =>
            await store.DeleteAsync(id, ct) ? Results.NoContent() : NotFound(id))
            .RequireAuthorization(ApiRoles.Admin).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        subscriptions.MapGet("/{id:guid}/deliveries", async (Guid id, int? limit, SubscriptionStore store, DeliveryStore deliveries, CancellationToken ct) =>
        {
            if (limit is < 1 or > DeliveryStore.MaxListLimit)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"The limit is between 1 and {DeliveryStore.MaxListLimit}."] });
            return await store.GetAsync(id, ct) is null ? NotFound(id) : Results.Ok(await deliveries.ListAsync(id, limit ?? 50, ct));
        }).RequireAuthorization(ApiRoles.Viewer).Produces<IReadOnlyList<DeliveryView>>();
        subscriptions.MapPost("/{id:guid}/test", async (Guid id, HttpContext http, SubscriptionStore store, IPublishEndpoint bus, CancellationToken ct) =>
        {
            if (await store.GetAsync(id, ct) is null)
                return NotFound(id);
            var deliveryId = Guid.CreateVersion7();
            await bus.Publish(new SendTestNotification { SubscriptionId = id, DeliveryId = deliveryId, RequestedBy = http.User.Actor() }, ct);
            return Results.Accepted($"/api/v1/subscriptions/{id}/deliveries", new { deliveryId });
        }).RequireAuthorization(ApiRoles.Admin);
        return app;
    }

    // The body, read within its limit, then checked; problems name their field.
    static async Task<(SubscriptionRequest? Request, IResult? Invalid)> ReadAsync(HttpContext http, Subscription? stored, NotificationOptions options, CancellationToken ct)
    {
        SubscriptionRequest? request;
        try
        {
            request = BoundedReader.ReadJson<SubscriptionRequest>(await RequestBody.ReadBytesAsync(http.Request, ct), BodyLimits, JsonSerializerOptions.Web);
        }
        catch (Exception ex) when (ex is JsonException or DocumentLimitException { TooLarge: false })
        {
            var field = ex is JsonException { Path: { Length: > 2 } path } ? path.TrimStart('$', '.').Split('[', '.')[0] : "body";
            return (null, Invalid(new() { [field] = [$"Not a subscription as JSON: {TextRules.Shown(ex.Message, 300)}"] }));
        }

        request ??= new SubscriptionRequest();
        var errors = await SubscriptionRules.CheckAsync(request, stored, options, ct);
        return (request, errors.Count == 0 ? null : Invalid(errors));
    }

    static IResult Invalid(Dictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, title: "The subscription is not valid.", type: "https://mflow.dev/problems/invalid");

    static IResult NotFound(Guid id) => Problems.NotFound($"No subscription '{id}'.");

    static IResult NameTaken(string name) =>
        Problems.Conflict($"A subscription '{TextRules.Shown(name)}' exists.", "Change it with PUT, or choose another name.");
}
