using MFlow.Persistence.KeyRing;
using MFlow.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.Notifications;

/// <summary>Registers what the API and the notifier share: the settings, the key ring, the stores.</summary>
public static class NotificationExtensions
{
    /// <summary>Adds <see cref="NotificationOptions"/> (validated), the key ring, <see cref="SubscriptionStore"/> and <see cref="DeliveryStore"/>.</summary>
    public static IHostApplicationBuilder AddNotificationStores(this IHostApplicationBuilder builder)
    {
        // The embedded default hosts the API and the notifier together; each asks.
        if (builder.Services.Any(service => service.ServiceType == typeof(SubscriptionStore)))
            return builder;
        builder.AddValidatedOptions<NotificationOptions>(NotificationOptions.Section);
        builder.Services.AddDatabaseKeyRing(builder.Configuration);
        builder.Services.AddSingleton<SubscriptionStore>();
        builder.Services.AddSingleton<DeliveryStore>();
        return builder;
    }
}
