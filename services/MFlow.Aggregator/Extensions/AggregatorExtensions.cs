using MassTransit;
using MFlow.Aggregator.Consumers;
using MFlow.Aggregator.Runs;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.Persistence.Sagas;
using MFlow.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.Aggregator.Extensions;

/// <summary>Wires the aggregator into a host.</summary>
public static class AggregatorExtensions
{
    /// <summary>The table the run saga lives in.</summary>
    public const string RunStateTable = PipelineRunStates.Table;

    /// <summary>The aggregator as its own service: database, bus, saga.</summary>
    public static IHostApplicationBuilder AddAggregator(this IHostApplicationBuilder builder)
    {
        builder.AddMFlowDatabase();
        builder.AddAggregatorServices();
        builder.AddMFlowBus(bus => bus.AddAggregatorSaga());
        return builder;
    }

    /// <summary>The aggregator's own services, without the bus (the embedded default registers the bus once for all).</summary>
    public static IHostApplicationBuilder AddAggregatorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ActiveRunsGauge>();
        return builder;
    }

    /// <summary>Registers the run saga, stored in MFlow's database (used by the service and by the embedded default).</summary>
    public static IBusRegistrationConfigurator AddAggregatorSaga(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<PipelineRunStateMachine, PipelineRunState>(typeof(PipelineRunStateDefinition))
            .SqlRepository(RunStateTable, StoredJson.Options);
        bus.AddConsumer<GetTaskOutcomesConsumer, GetTaskOutcomesConsumerDefinition>();
        return bus;
    }
}
