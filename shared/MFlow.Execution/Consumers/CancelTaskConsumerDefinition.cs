using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;

namespace MFlow.Execution.Consumers;

/// <summary>
/// Every worker service gets its own cancel queue ("mflow-build-worker-cancel", ...), so each sees
/// every CancelTask and acts on its own kind's.
/// </summary>
public sealed class CancelTaskConsumerDefinition : ConsumerDefinition<CancelTaskConsumer>
{
    /// <summary>Names the endpoint after the kinds hosted.</summary>
    // Depends on HostedKinds, not on the executors: definitions are built with the bus, and the
    // executors need the bus (a cycle the container would wait on forever).
    public CancelTaskConsumerDefinition(HostedKinds hosted) =>
        EndpointName = $"mflow-{string.Join("-", hosted.Kinds.Order().Select(k => k.ToString().ToLowerInvariant()))}-worker-cancel";

    /// <inheritdoc />
    // A CancelTask without ids matches no task and would be consumed as "nothing to cancel"; as a
    // fault it lands in the error queue, where an operator sees it.
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<CancelTaskConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.Message<CancelTask>(message => message.UseExecute(consumed =>
        {
            (string Name, Guid Value)[] ids = [("runId", consumed.Message.RunId), ("taskId", consumed.Message.TaskId)];
            var missing = ids.Where(id => id.Value == Guid.Empty).Select(id => $"{id.Name} is missing").ToList();
            if (missing.Count > 0)
                throw new PermanentMessageException($"Invalid CancelTask: {string.Join("; ", missing)}.");
        }));
}
