namespace MFlow.Kubernetes.Tests.Support;

/// <summary>
/// A clock that moves only when told to, and whose timers fire at once (moving the clock to
/// their due time) while recording what was waited for. Retry and reconnect delays thus cost
/// no real time, and tests can assert on them.
/// </summary>
internal sealed class VirtualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<TimeSpan> _delays = [];
    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_lock)
            {
                return [.. _delays];
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
        {
            _now += by;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ImmediateTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Fire(TimeSpan dueTime, TimerCallback callback, object? state)
    {
        lock (_lock)
        {
            _delays.Add(dueTime);
            _now += dueTime;
        }

        // Off the caller's stack: Task.Delay must finish creating its timer before it completes.
        ThreadPool.QueueUserWorkItem(_ => callback(state));
    }

    private sealed class ImmediateTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (!_disposed && dueTime != Timeout.InfiniteTimeSpan)
            {
                owner.Fire(dueTime, callback, state);
            }

            return !_disposed;
        }

        public void Dispose() => _disposed = true;

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
