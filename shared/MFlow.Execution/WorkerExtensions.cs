using MassTransit;
using MFlow.Contracts;
using MFlow.Execution.Consumers;
using MFlow.Execution.Local;
using MFlow.Execution.Reporting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.Execution;

/// <summary>Wires workers into a host.</summary>
public static class WorkerExtensions
{
    /// <summary>
    /// Registers the workers for <paramref name="kinds"/>: options, the reporter, and each kind's
    /// executor as configured by MFlow:Worker:Executor (<paramref name="executorFactories"/> supplies
    /// executors other than "local", keyed by name).
    /// </summary>
    public static IHostApplicationBuilder AddWorkerServices(
        this IHostApplicationBuilder builder,
        IReadOnlyCollection<JobKind> kinds,
        IReadOnlyDictionary<string, Func<IServiceProvider, JobKind, ITaskExecutor>>? executorFactories = null)
    {
        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection(WorkerOptions.Section));
        builder.Services.AddSingleton(new HostedKinds(kinds.ToHashSet()));
        builder.Services.AddSingleton<TaskReporter>();
        builder.Services.AddSingleton<LocalProcessExecutor>();
        var executorName = builder.Configuration[$"{WorkerOptions.Section}:Executor"] ?? "local";
        builder.Services.AddSingleton(provider =>
        {
            var executors = kinds.ToDictionary(kind => kind, kind => executorName.Equals("local", StringComparison.OrdinalIgnoreCase)
                ? provider.GetRequiredService<LocalProcessExecutor>()
                : executorFactories?.GetValueOrDefault(executorName.ToLowerInvariant())?.Invoke(provider, kind)
                    ?? throw new InvalidOperationException($"Unknown executor '{executorName}' (MFlow:Worker:Executor): expected local or kubernetes."));
            return new TaskExecutors(executors);
        });
        return builder;
    }

    /// <summary>Registers the run-task consumer of each kind and the cancel consumer.</summary>
    public static IBusRegistrationConfigurator AddWorkerConsumers(this IBusRegistrationConfigurator bus, IReadOnlyCollection<JobKind> kinds)
    {
        foreach (var kind in kinds)
        {
            switch (kind)
            {
                case JobKind.Build:
                    bus.AddConsumer<RunTaskConsumer<RunBuildTask>, RunTaskConsumerDefinition<RunBuildTask>>();
                    break;
                case JobKind.Deploy:
                    bus.AddConsumer<RunTaskConsumer<RunDeployTask>, RunTaskConsumerDefinition<RunDeployTask>>();
                    break;
                case JobKind.Vm:
                    bus.AddConsumer<RunTaskConsumer<RunVmTask>, RunTaskConsumerDefinition<RunVmTask>>();
                    break;
            }
        }

        bus.AddConsumer<CancelTaskConsumer, CancelTaskConsumerDefinition>();
        return bus;
    }
}
