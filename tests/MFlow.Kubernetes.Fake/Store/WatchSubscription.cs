using System.Threading.Channels;

namespace MFlow.Kubernetes.Fake.Store;

/// <summary>
/// One open watch on the store. Events arrive on <see cref="Reader"/> in revision order, with BOOKMARK
/// items posted by <see cref="ObjectStore.PostBookmark"/> in between. Disposing unsubscribes.
/// </summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly Channel<StoredEvent> _channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<WatchSubscription> _unsubscribe;

    public WatchSubscription(WatchFilter filter, bool isInternal, long startRevision, int initialCount, Action<WatchSubscription> unsubscribe)
    {
        Filter = filter;
        IsInternal = isInternal;
        StartRevision = startRevision;
        InitialCount = initialCount;
        _unsubscribe = unsubscribe;
    }

    public WatchFilter Filter { get; }

    /// <summary>Subscriptions of the fake's own controllers and waiters, which a simulated connection drop spares.</summary>
    public bool IsInternal { get; }

    /// <summary>The store's revision when the watch started (after its replay).</summary>
    public long StartRevision { get; }

    /// <summary>How many replayed (or synthetic initial) events precede the live ones.</summary>
    public int InitialCount { get; }

    /// <summary>Set when <see cref="ObjectStore.DropWatches"/> cut this watch: its HTTP stream must end abruptly.</summary>
    public bool Dropped { get; private set; }

    public ChannelReader<StoredEvent> Reader => _channel.Reader;

    public void Deliver(StoredEvent e) => _channel.Writer.TryWrite(e);

    public void Drop()
    {
        Dropped = true;
        _channel.Writer.TryComplete();
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _unsubscribe(this);
    }
}
