using MassTransit;
using MFlow.Contracts;
using MFlow.Execution.Consumers;
using MFlow.Execution.Kubernetes;
using MFlow.Execution.Local;
using MFlow.Execution.Reporting;
using MFlow.Kubernetes;
using MFlow.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MFlow.Execution;

/// <summary>Wires workers into a host.</summary>
public static class WorkerExtensions
{
    /// <summary>One kind's worker as its own service: its executor, its consumers and the bus.</summary>
    public static IHostApplicationBuilder AddWorker(this IHostApplicationBuilder builder, IJobBuilder jobBuilder)
    {
        builder.AddWorkerServices([jobBuilder]);
        builder.AddMFlowBus(bus => bus.AddWorkerConsumers([jobBuilder.Kind]));
        return builder;
    }

    /// <summary>
    /// Registers a worker for each builder's kind: options, the reporter, and each kind's executor as
    /// MFlow:Worker:Executor says: "local" (host processes) or "kubernetes" (a Job per task, built by
    /// the kind's <see cref="IJobBuilder"/>, tracked by a <see cref="JobTracker"/>).
    /// </summary>
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder, IReadOnlyCollection<IJobBuilder> jobBuilders)
    {
        var kinds = jobBuilders.Select(b => b.Kind).ToHashSet();
        var workerOptions = builder.AddValidatedOptions<WorkerOptions>(WorkerOptions.Section);
        builder.Services.AddSingleton(new HostedKinds(kinds));
        builder.Services.AddSingleton<TaskReporter>();
        foreach (var jobBuilder in jobBuilders)
            builder.Services.AddSingleton(jobBuilder);

        var executor = workerOptions.Executor.ToLowerInvariant();
        switch (executor)
        {
            case "local":
                builder.Services.AddSingleton<LocalProcessExecutor>();
                builder.Services.TryAddSingleton<LiveTaskLogs>();
                builder.Services.AddSingleton(provider => new TaskExecutors(
                    kinds.ToDictionary(kind => kind, ITaskExecutor (_) => provider.GetRequiredService<LocalProcessExecutor>())));
                break;
            case "kubernetes":
                AddKubernetesExecutor(builder, jobBuilders);
                break;
            default:
                throw new InvalidOperationException($"Unknown executor '{executor}' (MFlow:Worker:Executor): expected local or kubernetes.");
        }

        return builder;
    }

    /// <summary>Registers the run-task consumer of each kind, the cancel consumer, and the client that asks the aggregator about outcomes.</summary>
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
        bus.AddRequestClient<GetTaskOutcomes>();
        return bus;
    }

    static void AddKubernetesExecutor(IHostApplicationBuilder builder, IReadOnlyCollection<IJobBuilder> jobBuilders)
    {
        var workerApiUrl = builder.Configuration[$"{WorkerOptions.Section}:ApiUrl"];
        var options = builder.AddValidatedOptions<KubernetesExecutorOptions>(KubernetesExecutorOptions.Section, kubernetes => kubernetes.ApiUrl ??= workerApiUrl);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TaskCancellations>();
        builder.Services.AddSingleton<IKubernetesApi>(provider =>
        {
            // A kubeconfig named in configuration, else the pod's service account, else $KUBECONFIG or ~/.kube/config.
            var configuration = options.Kubeconfig is { Length: > 0 } path
                ? KubernetesConnections.FromFile(path, options.Context)
                : KubernetesConnections.FromEnvironment(options.Context);
            return KubernetesApi.Create(
                configuration,
                new KubernetesClientOptions { QueriesPerSecond = Math.Max(0, options.QueriesPerSecond), Burst = Math.Max(1, options.Burst) },
                provider.GetRequiredService<ILogger<KubernetesApi>>());
        });

        foreach (var jobBuilder in jobBuilders)
        {
            builder.Services.AddKeyedSingleton(jobBuilder.Kind, (provider, _) =>
            {
                var client = provider.GetRequiredService<IKubernetesApi>();
                return new JobCap(client, jobBuilder.Kind, options.MaxRunningJobs, options.MaxRunningJobsHold, WatchedNamespaces(options, client), provider.GetRequiredService<ILogger<JobCap>>());
            });
            builder.Services.AddKeyedSingleton(jobBuilder.Kind, (provider, _) =>
            {
                var client = provider.GetRequiredService<IKubernetesApi>();
                var namespaces = WatchedNamespaces(options, client);
                return new JobTracker(
                    client,
                    jobBuilder,
                    options,
                    namespaces,
                    provider.GetRequiredService<TaskReporter>(),
                    provider.GetRequiredService<TaskCancellations>(),
                    provider.GetRequiredService<IRequestClient<GetTaskOutcomes>>(),
                    provider.GetRequiredService<ILogger<JobTracker>>())
                {
                    LogTailLines = provider.GetRequiredService<IOptions<WorkerOptions>>().Value.LogTailLines,
                    Cap = provider.GetRequiredKeyedService<JobCap>(jobBuilder.Kind),
                    Election = options.LeaderElection.Enabled
                        ? new LeaderElection(
                            client.Client,
                            options.LeaderElection.Namespace ?? namespaces[0],
                            $"mflow-{TaskLabels.KindValue(jobBuilder.Kind)}-tracker",
                            provider.GetRequiredService<TaskReporter>().Instance,
                            options.LeaderElection,
                            provider.GetRequiredService<ILogger<LeaderElection>>())
                        : null,
                };
            });
            builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredKeyedService<JobTracker>(jobBuilder.Kind));
        }

        builder.Services.AddSingleton(provider => new TaskExecutors(jobBuilders.ToDictionary(
            b => b.Kind,
            ITaskExecutor (b) => new KubernetesJobExecutor(
                provider.GetRequiredService<IKubernetesApi>(), b, options,
                provider.GetRequiredService<TaskReporter>(), provider.GetRequiredService<TaskCancellations>(),
                provider.GetRequiredKeyedService<JobCap>(b.Kind),
                provider.GetRequiredService<ILogger<KubernetesJobExecutor>>()))));

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "kubernetes-watch",
            provider => new JobTrackersSynced(jobBuilders.Select(b => provider.GetRequiredKeyedService<JobTracker>(b.Kind)).ToList()),
            HealthStatus.Unhealthy,
            ["ready"]));
    }

    static IReadOnlyList<string> WatchedNamespaces(KubernetesExecutorOptions options, IKubernetesApi client) =>
        options.Namespaces.Count > 0 ? options.Namespaces : [options.Namespace ?? client.DefaultNamespace];

    sealed class JobTrackersSynced(IReadOnlyList<JobTracker> trackers) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(trackers.All(t => t.Synced || t.StandingBy)
                ? HealthCheckResult.Healthy(trackers.Any(t => t.StandingBy) ? "Standing by: another replica tracks the Jobs." : null)
                : HealthCheckResult.Unhealthy("Listing the Jobs to track has not finished yet."));
    }
}
