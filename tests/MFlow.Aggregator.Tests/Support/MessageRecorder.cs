using System.Collections.Concurrent;
using MassTransit;
using MFlow.Contracts;

namespace MFlow.Aggregator.Tests.Support;

/// <summary>
/// Records what the bus published and consumed, in order, without waiting: the harness's own lists
/// wait for the bus to go quiet before they answer, which would make every check take the
/// inactivity timeout. A message the outbox sent twice (after its commit and again from its relay,
/// which it may: see <c>TransactionalOutbox</c>) keeps one MessageId and is recorded once, as an
/// idempotent consumer sees it.
/// </summary>
public sealed class MessageRecorder : IPublishObserver, IConsumeObserver
{
    readonly ConcurrentQueue<object> _published = new();
    readonly ConcurrentDictionary<Guid, bool> _publishedIds = new();
    readonly ConcurrentQueue<object> _consumed = new();
    readonly ConcurrentQueue<Exception> _faults = new();

    public IReadOnlyList<T> Published<T>() => _published.OfType<T>().ToList();

    /// <summary>How many run messages the aggregator has consumed (or failed on).</summary>
    public int Consumed => _consumed.Count;

    public IReadOnlyList<Exception> Faults => _faults.ToList();

    public Task PrePublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class
    {
        if (context.MessageId is not { } id || _publishedIds.TryAdd(id, true))
            _published.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class
    {
        _faults.Enqueue(exception);
        return Task.CompletedTask;
    }

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        if (IsRunMessage(context.Message))
            _consumed.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        _faults.Enqueue(exception);
        if (IsRunMessage(context.Message))
            _consumed.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    static bool IsRunMessage(object message) => message is TaskUpdated or PipelineRunStarted or CancelPipelineRun or StopPipelineRun;
}
