using MFlow.Contracts;
using MFlow.Execution;
using MFlow.ServiceDefaults;
using MFlow.Workers.Vm.Jobs;

namespace MFlow.Workers.Vm.Extensions;

/// <summary>Wires the vm worker into a host.</summary>
public static class VmWorkerExtensions
{
    /// <summary>The job kind this worker runs.</summary>
    public const JobKind Kind = JobKind.Vm;

    /// <summary>The vm worker as its own service: executor, consumers, bus.</summary>
    public static IHostApplicationBuilder AddVmWorker(this IHostApplicationBuilder builder)
    {
        builder.AddWorkerServices([new AnsibleJobBuilder()]);
        builder.AddMFlowBus(bus => bus.AddWorkerConsumers([Kind]));
        return builder;
    }
}
