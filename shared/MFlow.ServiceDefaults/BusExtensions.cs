using System.Data.Common;
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

    // A database that cannot be reached or takes no more connections (a restart, a failover, its
    // connection limit reached) gets spaced retries for about three minutes before the message is
    // faulted, so an outage of that length loses no message to the error queue. Other transient
    // failures (a serialization conflict, a lost broker channel) get a few quick retries; a message
    // that can never succeed is faulted at once.
    static void ConfigureRetry(IBusFactoryConfigurator cfg)
    {
        cfg.UseMessageRetry(retry =>
        {
            retry.Handle<DbException>(IsDatabaseUnavailable);
            retry.Exponential(10, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        });
        cfg.UseMessageRetry(retry =>
        {
            retry.Exponential(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300));
            retry.Ignore<PermanentMessageException>();
            retry.Ignore<DbException>(IsDatabaseUnavailable);
        });
    }

    /// <summary>
    /// Whether a database error says the database cannot be used right now rather than that the
    /// statement failed: no connection (no SQLSTATE, transient), a connection exception (class 08),
    /// insufficient resources such as too many connections (class 53), or the server shutting down or
    /// starting (57P01-57P03).
    /// </summary>
    public static bool IsDatabaseUnavailable(DbException exception) =>
        exception.IsTransient && exception.SqlState switch
        {
            null => true,
            var state => state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal),
        };
}
