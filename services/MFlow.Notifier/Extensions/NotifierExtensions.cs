using MassTransit;
using MFlow.Notifications;
using MFlow.Notifier.Consumers;
using MFlow.Notifier.Delivery;
using MFlow.Persistence;
using MFlow.Persistence.KeyRing;
using MFlow.ServiceDefaults;

namespace MFlow.Notifier.Extensions;

/// <summary>Wires the notifier into a host.</summary>
public static class NotifierExtensions
{
    /// <summary>The notifier as its own service: database, key ring, bus, consumer, dispatcher.</summary>
    public static IHostApplicationBuilder AddNotifier(this IHostApplicationBuilder builder)
    {
        builder.AddMFlowDatabase();
        builder.AddNotifierServices();
        // On its own the notifier only decrypts subscription secrets: the scheduler makes the keys.
        builder.Services.AddReadOnlyKeyRing();
        builder.AddMFlowBus(bus => bus.AddNotifierConsumers());
        return builder;
    }

    /// <summary>The notifier's own services, without the bus (the embedded default registers the bus once for all).</summary>
    public static IHostApplicationBuilder AddNotifierServices(this IHostApplicationBuilder builder)
    {
        builder.AddNotificationStores();
        builder.Services.AddSingleton<DeliverySender>();
        builder.Services.AddSingleton<DeliveryDispatcher>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DeliveryDispatcher>());
        return builder;
    }

    /// <summary>Registers the notifier's consumer on its queue.</summary>
    public static IBusRegistrationConfigurator AddNotifierConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RunEventConsumer, RunEventConsumerDefinition>();
        return bus;
    }
}
