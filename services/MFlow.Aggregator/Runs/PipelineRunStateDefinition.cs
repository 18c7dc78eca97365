using MassTransit;
using MFlow.Contracts;
using MFlow.Persistence.Runs;
using MFlow.ServiceDefaults;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// The saga's endpoint. Concurrency is optimistic (a version column, see SqlSagaRepository): within
/// one aggregator, messages of the same run are partitioned so they never race; across aggregator
/// replicas a lost race throws ConcurrencyException and the endpoint replays the message on fresh
/// state at once. Pessimistic row locks would serialize replicas on hot runs for no gain.
/// </summary>
public sealed class PipelineRunStateDefinition : SagaDefinition<PipelineRunState>
{
    /// <summary>The queue the aggregator consumes from.</summary>
    public const string QueueName = "mflow-aggregator";

    const int Partitions = 32;

    /// <summary>Names the endpoint and bounds its concurrency.</summary>
    public PipelineRunStateDefinition()
    {
        EndpointName = QueueName;
        ConcurrentMessageLimit = Partitions;
    }

    /// <inheritdoc />
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<PipelineRunState> sagaConfigurator, IRegistrationContext context)
    {
        // A message without ids would correlate to the empty Guid and create (or change) a run of
        // that id; it is refused before the saga sees it, and lands in the error queue.
        RetryLostRaces(endpointConfigurator);
        var partitioner = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<PipelineRunStarted>(m =>
        {
            m.UseExecute(c => RequireIds(nameof(PipelineRunStarted), ("runId", c.Message.RunId)));
            m.UsePartitioner(partitioner, c => c.Message.RunId);
        });
        sagaConfigurator.Message<TaskUpdated>(m =>
        {
            m.UseExecute(c => RequireIds(nameof(TaskUpdated), ("runId", c.Message.RunId), ("taskId", c.Message.TaskId)));
            m.UsePartitioner(partitioner, c => c.Message.RunId);
        });
        sagaConfigurator.Message<CancelPipelineRun>(m =>
        {
            m.UseExecute(c => RequireIds(nameof(CancelPipelineRun), ("runId", c.Message.RunId)));
            m.UsePartitioner(partitioner, c => c.Message.RunId);
        });
    }

    /// <summary>
    /// Retries a lost race at once on fresh state, many times, inside the bus's spaced retry of
    /// transient failures: with several replicas on one busy run, six spaced tries could all lose and
    /// fault a TaskUpdated, which would leave the run waiting for an outcome it never records.
    /// </summary>
    public static void RetryLostRaces(IReceiveEndpointConfigurator endpointConfigurator) =>
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<ConcurrencyException>();
            retry.Incremental(20, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
        });

    static void RequireIds(string messageType, params (string Name, Guid Value)[] ids)
    {
        var missing = ids.Where(id => id.Value == Guid.Empty).Select(id => $"{id.Name} is missing").ToList();
        if (missing.Count > 0)
            throw new PermanentMessageException($"Invalid {messageType}: {string.Join("; ", missing)}.");
    }
}
