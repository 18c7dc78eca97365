using MassTransit;
using MFlow.Persistence;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Consumers;
using MFlow.Scheduler.Outbox;
using MFlow.Scheduler.Runs;
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
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>The scheduler's own services, without the bus (the embedded default registers the bus once for all).</summary>
    public static IHostApplicationBuilder AddSchedulerServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RunStore>();
        builder.Services.AddSingleton<TaskLogStore>();
        builder.Services.AddSingleton<RunSubmitter>();
        builder.Services.AddSingleton<Outbox.Outbox>();
        builder.Services.AddSingleton<OutboxRelaySignal>();
        builder.Services.AddHostedService<OutboxRelay>();
        return builder;
    }

    /// <summary>Registers the scheduler's consumers.</summary>
    public static IBusRegistrationConfigurator AddSchedulerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<StartPipelineConsumer, StartPipelineConsumerDefinition>();
        bus.AddConsumer<StageCompletedConsumer, StageCompletedConsumerDefinition>();
        bus.AddConsumer<TaskLogCapturedConsumer, TaskLogCapturedConsumerDefinition>();
        return bus;
    }

    /// <summary>Maps the scheduler's HTTP API.</summary>
    public static IEndpointRouteBuilder MapSchedulerApi(this IEndpointRouteBuilder app) => app.MapRunEndpoints();
}
