using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// Reports <c>mflow.runs.active</c>: the runs not yet in a final state, counted in the run store when
/// metrics are collected (a partial index keeps it cheap), at most every few seconds. The store is
/// the only place every replica agrees on; a counter kept in memory would drift with each restart.
/// </summary>
public sealed class ActiveRunsGauge(Database database, ILogger<ActiveRunsGauge> logger) : IHostedService
{
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    readonly Lock _lock = new();
    long? _count;
    DateTime _countedAt = DateTime.MinValue;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        MFlowMetrics.ReportActiveRuns(Count);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Called by the metrics collection (a scrape, an OTLP export), which is synchronous.
    long? Count()
    {
        lock (_lock)
        {
            if (DateTime.UtcNow - _countedAt < Fresh)
                return _count;
            _countedAt = DateTime.UtcNow;
            try
            {
                using var timeout = new CancellationTokenSource(Timeout);
                _count = CountAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                // A database that does not answer now leaves the figure out rather than reporting a stale one.
                logger.LogWarning(ex, "Counting the active runs for mflow.runs.active failed");
                _count = null;
            }

            return _count;
        }
    }

    async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT count(*) FROM {RunStatusReader.RunTable} WHERE state NOT IN ('Succeeded', 'Failed', 'Cancelled', 'Rejected')");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
