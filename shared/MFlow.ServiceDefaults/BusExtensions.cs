using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MFlow.ServiceDefaults;

/// <summary>The one place MFlow's bus conventions live; every service calls <see cref="AddMFlowBus"/>.</summary>
public static class BusExtensions
{
    /// <summary>
    /// Adds MassTransit with MFlow's conventions: the transport from <see cref="BusOptions"/>, kebab-case
    /// endpoint names, a retry policy that never retries a <see cref="PermanentMessageException"/>,
    /// and a bus health check tagged "ready".
    /// </summary>
    public static IHostApplicationBuilder AddMFlowBus(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator> configure,
        bool waitUntilStarted = false)
    {
        var rabbitMqConnectionString = builder.Configuration.GetConnectionString("RabbitMq");
        var options = builder.AddValidatedOptions<BusOptions>(BusOptions.Section, bus => bus.RabbitMqUrl ??= rabbitMqConnectionString);

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // MassTransit (since 8.4) reports its configuration and host (versions, OS, cloud provider)
            // to its maker over HTTPS unless told not to; a pipeline system inside someone's network
            // makes no call it was not asked to. (MASSTRANSIT_USAGE_TELEMETRY=true would turn it back on.)
            bus.DisableUsageTelemetry();
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "bus";
                health.Tags.Add("ready");
            });

            configure(bus);

            if (options.Transport == BusTransport.InMemory)
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    ConfigureRetry(cfg);
                    cfg.ConfigureEndpoints(context);
                });
                return;
            }

            bus.UsingRabbitMq((context, cfg) =>
            {
                // Validated at start (BusOptions.Validate): a missing or malformed URL never gets here.
                var settings = context.GetRequiredService<IOptions<BusOptions>>().Value;
                var address = RabbitMqAddress.Parse(settings.RabbitMqUrl!);
                cfg.Host(address.Host, (ushort)address.Port, address.VirtualHost, host =>
                {
                    host.Username(address.Username);
                    host.Password(address.Password);
                    host.Heartbeat(settings.Heartbeat);
                    if (address.UseTls)
                        host.UseSsl(ssl => ssl.ServerName = address.Host);
                });
                cfg.PrefetchCount = settings.PrefetchCount;
                ConfigureRetry(cfg);
                cfg.ConfigureEndpoints(context);
            });
        });

        builder.Services.AddOptions<MassTransitHostOptions>().Configure(host =>
        {
            host.WaitUntilStarted = waitUntilStarted;
            host.StartTimeout = TimeSpan.FromSeconds(60);
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    // Transient failures (a database restart, a lost connection) get a few spaced retries before the
    // message is faulted to the error queue; a message that can never succeed is faulted at once.
    static void ConfigureRetry(IBusFactoryConfigurator cfg) =>
        cfg.UseMessageRetry(retry =>
        {
            retry.Exponential(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300));
            retry.Ignore<PermanentMessageException>();
        });
}
