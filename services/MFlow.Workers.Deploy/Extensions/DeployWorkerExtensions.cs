using MFlow.Contracts;
using MFlow.Execution;
using MFlow.ServiceDefaults;
using MFlow.Workers.Deploy.Jobs;

namespace MFlow.Workers.Deploy.Extensions;

/// <summary>Wires the deploy worker into a host.</summary>
public static class DeployWorkerExtensions
{
    /// <summary>The job kind this worker runs.</summary>
    public const JobKind Kind = JobKind.Deploy;

    /// <summary>The deploy worker as its own service: executor, consumers, bus.</summary>
    public static IHostApplicationBuilder AddDeployWorker(this IHostApplicationBuilder builder)
    {
        builder.AddWorkerServices([new KubectlJobBuilder()]);
        builder.AddMFlowBus(bus => bus.AddWorkerConsumers([Kind]));
        return builder;
    }
}
