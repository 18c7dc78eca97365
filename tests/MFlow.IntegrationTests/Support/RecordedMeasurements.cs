using System.Diagnostics.Metrics;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.IntegrationTests.Support;

/// <summary>Counts what one of MFlow's instruments records in this process while it is alive.</summary>
public sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private int _count;

    /// <summary>Starts listening to <paramref name="instrument"/> of MFlow's meter.</summary>
    public RecordedMeasurements(string instrument)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Name == MFlowMetrics.MeterName && published.Name == instrument)
                listener.EnableMeasurementEvents(published);
        };
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _count));
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _count));
        _listener.Start();
    }

    /// <summary>How many measurements were recorded so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
