using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MFlow.Scheduler.Events;

/// <summary>Counts this replica's open event streams, in all and per API key, against their limits.</summary>
public sealed class RunEventStreams(IOptions<RunEventStreamOptions> options)
{
    readonly ConcurrentDictionary<string, int> _perKey = new(StringComparer.Ordinal);
    readonly Lock _lock = new();
    int _open;

    /// <summary>A lease on one stream for <paramref name="key"/> (released when disposed), or the refusal's reason.</summary>
    public (IDisposable? Lease, string? Refusal) TryOpen(string key)
    {
        var limits = options.Value;
        lock (_lock)
        {
            if (_open >= limits.MaxStreams)
                return (null, $"This replica serves {limits.MaxStreams} event streams already (MFlow:Api:EventStreams:MaxStreams).");
            var mine = _perKey.GetValueOrDefault(key);
            if (mine >= limits.MaxStreamsPerKey)
                return (null, $"The key '{key}' holds {mine} event streams already, the most one key may (MFlow:Api:EventStreams:MaxStreamsPerKey); close one first.");
            _open++;
            _perKey[key] = mine + 1;
        }

        return (new Lease(this, key), null);
    }

    /// <summary>Open streams, in all.</summary>
    public int Open => Volatile.Read(ref _open);

    void Release(string key)
    {
        lock (_lock)
        {
            _open--;
            if (_perKey[key] == 1)
                _perKey.TryRemove(key, out _);
            else
                _perKey[key]--;
        }
    }

    sealed class Lease(RunEventStreams streams, string key) : IDisposable
    {
        int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                streams.Release(key);
        }
    }
}
