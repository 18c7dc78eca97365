using MassTransit;
using MFlow.Contracts;
using Microsoft.Extensions.Options;

namespace MFlow.Execution.Consumers;

/// <summary>
/// Each kind's commands on the kind's own queue ("mflow-build-worker", ...). The local executor
/// holds a message for as long as its task runs, so concurrency is bounded by MaxConcurrentTasks; the
/// kubernetes executor holds one only while it waits for a slot under MFlow:Kubernetes:MaxRunningJobs.
/// </summary>
public sealed class RunTaskConsumerDefinition<TCommand> : ConsumerDefinition<RunTaskConsumer<TCommand>>
    where TCommand : RunTaskCommand, new()
{
    /// <summary>Names the endpoint after the kind.</summary>
    public RunTaskConsumerDefinition(IOptions<WorkerOptions> options)
    {
        EndpointName = QueueName(new TCommand().Kind);
        ConcurrentMessageLimit = Math.Max(1, options.Value.MaxConcurrentTasks);
    }

    /// <summary>The queue a kind's run-task commands arrive on.</summary>
    public static string QueueName(JobKind kind) => $"mflow-{kind.ToString().ToLowerInvariant()}-worker";

    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<RunTaskConsumer<TCommand>> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = (ushort)Math.Min(ushort.MaxValue, ConcurrentMessageLimit ?? 1);
    }
}
