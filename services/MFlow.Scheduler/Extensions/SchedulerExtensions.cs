using MassTransit;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MFlow.Persistence;
using MFlow.Persistence.KeyRing;
using MFlow.Persistence.Outbox;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Clusters;
using MFlow.Scheduler.Consumers;
using MFlow.Scheduler.Dashboard;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Notifications;
using MFlow.Notifications;
using MFlow.Scheduler.Outbox;
using MFlow.Scheduler.Outputs;
using MFlow.Scheduler.Runs;
using MFlow.Scheduler.Security;
using MFlow.Scheduler.Triggers;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Extensions;

/// <summary>Wires the scheduler into a host.</summary>
public static class SchedulerExtensions
{
    /// <summary>The scheduler as its own service: database, bus, consumers, API.</summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.AddMFlowDatabase();
        builder.AddSchedulerServices();
        builder.AddMFlowBus(bus => bus.AddSchedulerConsumers());
        return builder;
    }

    /// <summary>The scheduler's own services, without the bus (the embedded default registers the bus once for all).</summary>
    public static IHostApplicationBuilder AddSchedulerServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddRunLinks();
        services.AddSingleton<RunStore>();
        services.AddSingleton<RunAdmission>();
        services.AddSingleton<RunSubmitter>();
        services.AddSingleton<RunRerunner>();
        services.AddSingleton<RunDispatcher>();
        services.AddSingleton<Control.RunControl>();
        services.AddSingleton<Control.ApprovalGates>();
        services.AddSingleton<Control.ConcurrencyGroups>();
        services.AddSingleton<TaskLogStore>();
        services.AddSingleton<DefinitionStore>();
        services.AddSingleton<DefinitionSecrets>();
        services.AddSingleton<JobResolver>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClusterStore>();
        services.AddSingleton<TriggerStore>();
        builder.AddWebhookRateLimit();
        services.AddSingleton<TaskTokenStore>();
        services.AddSingleton<TaskOutputStore>();
        services.AddSingleton<Outbox.Outbox>();
        // The key ring first: what follows encrypts or decrypts while it holds a connection.
        services.AddHostedService<Security.KeyRingWarmUp>();
        services.AddHostedService<OutboxRelay<Outbox.Outbox>>();
        services.AddHostedService<BuiltinJobLoader>();
        services.AddHostedService<ApiKeyBootstrap>();

        // One key ring for every replica, in the database: what one encrypts, any can decrypt.
        services.AddDatabaseKeyRing(builder.Configuration);
        builder.AddNotificationStores();

        builder.AddValidatedOptions<Events.RunEventStreamOptions>(Events.RunEventStreamOptions.Section);
        services.AddSingleton<Events.RunEventStreams>();
        services.AddHostedService<MFlow.Persistence.Runs.RunEventListener>();

        services.AddApiAuthorization();
        services.AddApiReference();
        services.AddProblemDetails();
        services.AddExceptionHandler<Api.DatabaseUnavailableHandler>();
        // No route takes more; each lowers it to its own limit (RequestLimits).
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes);
        return builder;
    }

    /// <summary>Registers the scheduler's consumers.</summary>
    public static IBusRegistrationConfigurator AddSchedulerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<StartPipelineConsumer, StartPipelineConsumerDefinition>();
        bus.AddConsumer<StageCompletedConsumer, StageCompletedConsumerDefinition>();
        bus.AddConsumer<PlainStartPipelineConsumer, PlainStartPipelineConsumerDefinition>();
        bus.AddConsumer<RunEndedConsumer, RunEndedConsumerDefinition>();
        bus.AddConsumer<ApprovalTimedOutConsumer, ApprovalTimedOutConsumerDefinition>();
        bus.AddConsumer<DispatchTaskAttemptConsumer, DispatchTaskAttemptConsumerDefinition>();
        return bus;
    }

    /// <summary>Adds the API's middleware and maps every route of the scheduler's HTTP API.</summary>
    public static WebApplication MapSchedulerApi(this WebApplication app)
    {
        // Every 4xx the framework answers without a body (401, 403, 404, 405) becomes problem details too.
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRequestLimits();
        app.UseRateLimiter();
        app.MapRunEndpoints();
        app.MapRunEventEndpoints();
        app.MapApprovalEndpoints();
        app.MapRunAttemptEndpoints();
        app.MapDefinitionEndpoints();
        app.MapClusterEndpoints();
        app.MapTriggerEndpoints();
        app.MapOutputEndpoints();
        app.MapApiKeyEndpoints();
        app.MapSubscriptionEndpoints();
        app.MapApiReference();
        app.MapDashboard();
        return app;
    }
}
