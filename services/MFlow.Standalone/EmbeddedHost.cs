using MFlow.Aggregator.Extensions;
using MFlow.Execution;
using MFlow.Execution.Kubernetes;
using MFlow.Notifier.Extensions;
using MFlow.Persistence;
using MFlow.Scheduler.Extensions;
using MFlow.ServiceDefaults;
using MFlow.Workers.Build.Jobs;
using MFlow.Workers.Deploy.Jobs;
using MFlow.Workers.Vm.Jobs;

namespace MFlow.Standalone;

/// <summary>
/// All six services in one host: the scheduler, the aggregator, the three workers and the notifier, on
/// MassTransit's in-memory transport, SQLite and the local executor. The same code as the separate
/// services; only the configuration differs.
/// </summary>
public static class EmbeddedHost
{
    /// <summary>The builders of every job kind's Kubernetes Job (used by render, and by the kubernetes executor); this host runs a worker for each kind.</summary>
    public static IReadOnlyList<IJobBuilder> JobBuilders { get; } = [new KanikoJobBuilder(), new KubectlJobBuilder(), new AnsibleJobBuilder()];

    /// <summary>The configuration of the embedded default; environment variables (MFlow__...) still override it.</summary>
    public static Dictionary<string, string?> Defaults(string databasePath) => new()
    {
        ["MFlow:Bus:Transport"] = nameof(BusTransport.InMemory),
        ["MFlow:Database:Provider"] = nameof(DatabaseProvider.Sqlite),
        ["MFlow:Database:ConnectionString"] = $"Data Source={databasePath}",
        ["MFlow:Worker:Executor"] = "local",
        ["MFlow:Worker:MaxConcurrentTasks"] = "16",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:MassTransit"] = "Error",
    };

    /// <summary>Adds every service to the builder; <paramref name="configureBus"/> adds more consumers.</summary>
    public static IHostApplicationBuilder AddEmbeddedServices(this IHostApplicationBuilder builder, Action<MassTransit.IBusRegistrationConfigurator>? configureBus = null)
    {
        builder.AddServiceDefaults();
        builder.AddMFlowDatabase();
        builder.AddSchedulerServices();
        builder.AddAggregatorServices();
        builder.AddWorkerServices(JobBuilders);
        builder.AddNotifierServices();
        builder.AddMFlowBus(bus =>
        {
            bus.AddSchedulerConsumers();
            bus.AddAggregatorConsumers();
            bus.AddNotifierConsumers();
            bus.AddWorkerConsumers(JobBuilders.Select(jobBuilder => jobBuilder.Kind).ToList());
            configureBus?.Invoke(bus);
        }, waitUntilStarted: true);
        return builder;
    }
}
