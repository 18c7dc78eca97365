using MassTransit;
using MFlow.Contracts;
using MFlow.ServiceDefaults;

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

    /// <inheritdoc />
    // Without its ids a log would be stored under the empty run and task, where nobody can read it;
    // as a fault it lands in the error queue, where an operator sees it.
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TaskLogCapturedConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.Message<TaskLogCaptured>(message => message.UseExecute(consumed =>
        {
            (string Name, Guid Value)[] ids = [("runId", consumed.Message.RunId), ("taskId", consumed.Message.TaskId)];
            var missing = ids.Where(id => id.Value == Guid.Empty).Select(id => $"{id.Name} is missing").ToList();
            if (missing.Count > 0)
                throw new PermanentMessageException($"Invalid TaskLogCaptured: {string.Join("; ", missing)}.");
        }));
}
