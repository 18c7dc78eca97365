namespace MFlow.ServiceDefaults;

/// <summary>
/// A publish awaited no longer than its token allows, whatever the transport does with the token.
/// </summary>
/// <remarks>
/// After a broker restart a MassTransit publish can stay pending for good, its cancellation token
/// notwithstanding (RabbitMQ.Client 7.2.2 leaves a confirm hanging, rabbitmq-dotnet-client#1930, and
/// MassTransit 8.5 queues a publish behind its channel's one-time topology setup without a token).
/// A caller that awaited it would stop there: the aggregator's outbox relay did, and with it every
/// StageCompleted a failed publish had left to it and every retry timer (four runs stuck Running).
/// The caller stops waiting when its token fires and treats the publish as failed; the abandoned
/// task is observed so that its late fault is not reported as unobserved.
/// </remarks>
public static class BoundedPublish
{
    /// <summary>Awaits <paramref name="publish"/> until it ends or <paramref name="cancellationToken"/> fires.</summary>
    public static Task Within(Task publish, CancellationToken cancellationToken)
    {
        if (publish.IsCompleted || !cancellationToken.CanBeCanceled)
            return publish;
        _ = publish.ContinueWith(static abandoned => _ = abandoned.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return publish.WaitAsync(cancellationToken);
    }
}
