using MassTransit;
using MFlow.Aggregator.Consumers;
using MFlow.Aggregator.Runs;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.Aggregator.Extensions;

/// <summary>Wires the aggregator into a host.</summary>
public static class AggregatorExtensions
{
    /// <summary>The aggregator as its own service: database, bus, consumers.</summary>
    public static IHostApplicationBuilder AddAggregator(this IHostApplicationBuilder builder)
    {
        builder.AddMFlowDatabase();
        builder.AddAggregatorServices();
        builder.AddMFlowBus(bus => bus.AddAggregatorConsumers());
        return builder;
    }

    /// <summary>The aggregator's own services, without the bus (the embedded default registers the bus once for all).</summary>
    public static IHostApplicationBuilder AddAggregatorServices(this IHostApplicationBuilder builder)
    {
        builder.AddRunLinks();
        builder.Services.AddHostedService<ActiveRunsGauge>();
        builder.Services.AddSingleton<AggregatorOutbox>();
        builder.Services.AddHostedService<OutboxRelay<AggregatorOutbox>>();
        builder.Services.AddSingleton<RunTracker>();
        builder.Services.AddHostedService<LegacyRunStateImport>();
        return builder;
    }

    /// <summary>Registers the aggregator's consumers, all on its one queue but the plain JSON one.</summary>
    public static IBusRegistrationConfigurator AddAggregatorConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<PipelineRunStartedConsumer, PipelineRunStartedConsumerDefinition>();
        bus.AddConsumer<TaskUpdatedConsumer, TaskUpdatedConsumerDefinition>();
        bus.AddConsumer<CancelPipelineRunConsumer, CancelPipelineRunConsumerDefinition>();
        bus.AddConsumer<PlainCancelPipelineRunConsumer, PlainCancelPipelineRunConsumerDefinition>();
        bus.AddConsumer<GetTaskOutcomesConsumer, GetTaskOutcomesConsumerDefinition>();
        bus.AddConsumer<StopPipelineRunConsumer, StopPipelineRunConsumerDefinition>();
        bus.AddConsumer<ResumePipelineRunConsumer, ResumePipelineRunConsumerDefinition>();
        return bus;
    }
}
