using MassTransit;

namespace MFlow.Scheduler.Consumers;

/// <summary>
/// Logs get a queue of their own ("mflow-scheduler-logs"): large messages that nobody waits for
/// should not queue in front of the dispatches on "mflow-scheduler".
/// </summary>
public sealed class TaskLogCapturedConsumerDefinition : ConsumerDefinition<TaskLogCapturedConsumer>
{
    /// <summary>Names the endpoint.</summary>
    public TaskLogCapturedConsumerDefinition()
    {
        EndpointName = StartPipelineConsumerDefinition.QueueName + "-logs";
        ConcurrentMessageLimit = 4;
    }
}
