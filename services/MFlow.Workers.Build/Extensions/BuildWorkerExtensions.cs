using MFlow.Contracts;
using MFlow.Execution;
using MFlow.ServiceDefaults;
using MFlow.Workers.Build.Jobs;

namespace MFlow.Workers.Build.Extensions;

/// <summary>Wires the build worker into a host.</summary>
public static class BuildWorkerExtensions
{
    /// <summary>The job kind this worker runs.</summary>
    public const JobKind Kind = JobKind.Build;

    /// <summary>The build worker as its own service: executor, consumers, bus.</summary>
    public static IHostApplicationBuilder AddBuildWorker(this IHostApplicationBuilder builder)
    {
        builder.AddWorkerServices([new KanikoJobBuilder()]);
        builder.AddMFlowBus(bus => bus.AddWorkerConsumers([Kind]));
        return builder;
    }
}
