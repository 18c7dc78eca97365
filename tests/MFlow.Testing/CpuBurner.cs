namespace MFlow.Testing;

/// <summary>
/// Saturates the machine's cores from the test process, as a busy node would, so that a test shows
/// what holds under load rather than on an idle machine: two spinning threads per core until
/// disposed, and never longer than the bound given, whatever the test does.
/// </summary>
public sealed class CpuBurner : IDisposable
{
    readonly CancellationTokenSource _stop;
    readonly Thread[] _threads;
    double _sink;

    CpuBurner(TimeSpan bound)
    {
        _stop = new CancellationTokenSource(bound);
        _threads = Enumerable.Range(0, 2 * Environment.ProcessorCount).Select(_ => new Thread(Spin) { IsBackground = true, Name = "cpu-burner" }).ToArray();
        foreach (var thread in _threads)
            thread.Start();
    }

    /// <summary>Starts burning; it stops when disposed or after <paramref name="bound"/>.</summary>
    public static CpuBurner Start(TimeSpan bound) => new(bound);

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
            thread.Join();
        _stop.Dispose();
    }

    void Spin()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            // Pure computation between checks of the token: a few microseconds each.
            var x = 0.0;
            for (var i = 0; i < 10_000; i++)
                x += Math.Sqrt(i + x);
            Volatile.Write(ref _sink, x); // so the loop is not optimized away
        }
    }
}
