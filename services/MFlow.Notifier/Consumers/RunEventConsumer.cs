using System.Text.Json;
using MassTransit;
using MFlow.Contracts;
using MFlow.Notifications;
using MFlow.Notifier.Delivery;
using MFlow.Notifier.Messages;
using MFlow.ServiceDefaults;

namespace MFlow.Notifier.Consumers;

/// <summary>
/// Turns each run event into one delivery per subscription that wants it, written before the message
/// is acknowledged: from then on the delivery survives any restart. A redelivered event writes
/// nothing new (each delivery's id derives from the event's occurrence and the subscription).
/// </summary>
public sealed class RunEventConsumer(SubscriptionStore subscriptions, DeliveryStore deliveries, DeliveryDispatcher dispatcher, ILogger<RunEventConsumer> logger)
    : IConsumer<PipelineRunStarted>, IConsumer<PipelineRunSucceeded>, IConsumer<PipelineRunFailed>, IConsumer<PipelineRunCancelled>, IConsumer<TaskFailed>,
      IConsumer<PipelineRunWaitingForApproval>, IConsumer<SendTestNotification>
{
    /// <summary>The namespace delivery ids are derived in.</summary>
    public static readonly Guid DeliveryNamespace = new("7c4f2a91-3e0b-4d6a-b58c-1f9e2d7a6c30");

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunStarted> context) => EnqueueAsync(NotificationEventFactory.From(context.Message), context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunSucceeded> context) => EnqueueAsync(NotificationEventFactory.From(context.Message), context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunFailed> context) => EnqueueAsync(NotificationEventFactory.From(context.Message), context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunCancelled> context) => EnqueueAsync(NotificationEventFactory.From(context.Message), context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<TaskFailed> context) => EnqueueAsync(NotificationEventFactory.From(context.Message), context.CancellationToken);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<PipelineRunWaitingForApproval> context) => EnqueueAsync(NotificationEventFactory.From(context.Message), context.CancellationToken);

    /// <inheritdoc />
    public async Task Consume(ConsumeContext<SendTestNotification> context)
    {
        var request = context.Message;
        if (await subscriptions.GetAsync(request.SubscriptionId, context.CancellationToken) is not { } subscription)
        {
            logger.LogInformation("Test event for subscription {Subscription} dropped: it was deleted", request.SubscriptionId);
            return;
        }

        var notification = NotificationEventFactory.Test(request.DeliveryId, subscription.Name, request.RequestedBy, DateTimeOffset.UtcNow);
        await deliveries.EnqueueAsync(
            [new NewDelivery(request.DeliveryId, subscription.Id, NotificationEvents.Test, null, JsonSerializer.Serialize(notification, PlatformMessages.Json))],
            context.CancellationToken);
        dispatcher.Wake();
    }

    async Task EnqueueAsync(Occurrence occurrence, CancellationToken cancellationToken)
    {
        var wanting = await subscriptions.MatchingAsync(occurrence.Notification.Event, occurrence.PipelineName, cancellationToken);
        if (wanting.Count == 0)
            return;
        var rows = wanting.Select(subscription =>
        {
            var id = DeterministicGuid.Create(DeliveryNamespace, $"{occurrence.Key}/{subscription.Id}");
            var payload = JsonSerializer.Serialize(occurrence.Notification with { DeliveryId = id }, PlatformMessages.Json);
            return new NewDelivery(id, subscription.Id, occurrence.Notification.Event, occurrence.RunId, payload);
        }).ToList();
        if (await deliveries.EnqueueAsync(rows, cancellationToken) > 0)
            dispatcher.Wake();
    }
}

/// <summary>Puts the notifier's consumer on its queue, "mflow-notifier".</summary>
public sealed class RunEventConsumerDefinition : ConsumerDefinition<RunEventConsumer>
{
    /// <summary>The queue the notifier consumes from.</summary>
    public const string QueueName = "mflow-notifier";

    /// <summary>Names the endpoint.</summary>
    public RunEventConsumerDefinition()
    {
        EndpointName = QueueName;
        ConcurrentMessageLimit = 16;
    }
}
