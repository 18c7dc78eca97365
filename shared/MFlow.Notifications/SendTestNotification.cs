namespace MFlow.Notifications;

/// <summary>
/// Asks the notifier to send a subscription a test event (the API's test route), whatever its
/// filters. The API chooses the delivery's id, so it can point at it in the delivery log before the
/// notifier has written it. Internal to MFlow: not part of the public contracts.
/// </summary>
public sealed record SendTestNotification
{
    /// <summary>The subscription.</summary>
    public Guid SubscriptionId { get; init; }

    /// <summary>The delivery's id.</summary>
    public Guid DeliveryId { get; init; }

    /// <summary>The API key that asked.</summary>
    public string? RequestedBy { get; init; }
}
