using MFlow.Persistence.Outbox;

namespace MFlow.Scheduler.Control;

/// <summary>Timers as delayed outbox messages: stored with the change that starts them, published when due.</summary>
public static class RunTimers
{
    /// <summary>
    /// <paramref name="message"/> to be published at <paramref name="deliverAt"/>. At-least-once:
    /// it may come twice or late, so its consumer checks that what it acts on is still the case.
    /// </summary>
    public static object At(object message, DateTimeOffset deliverAt) => new DelayedMessage(message, deliverAt);
}
