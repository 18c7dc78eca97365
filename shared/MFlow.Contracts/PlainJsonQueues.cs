namespace MFlow.Contracts;

/// <summary>
/// Where a system without MassTransit sends MFlow's commands as plain JSON (camelCase fields,
/// <c>content-type: application/json</c>, no envelope). Each name is a durable queue and a fanout
/// exchange bound to it, both declared by the service that consumes them: publish to the exchange
/// (routing key ignored) or to the default exchange with the queue's name as routing key. A message
/// that cannot be read lands in the queue's <c>_error</c> queue with the reason in its
/// <c>MT-Fault-Message</c> header. The MassTransit envelope is taken on these queues too.
/// </summary>
public static class PlainJsonQueues
{
    /// <summary>Takes <see cref="StartPipeline"/>; consumed by the scheduler.</summary>
    public const string StartPipeline = "mflow-start-pipeline";

    /// <summary>Takes <see cref="CancelPipelineRun"/>; consumed by the aggregator.</summary>
    public const string CancelPipelineRun = "mflow-cancel-pipeline-run";
}
