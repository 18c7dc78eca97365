using MassTransit;

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
}
