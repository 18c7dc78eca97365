using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MFlow.Persistence.Runs;

/// <summary>
/// Listens on PostgreSQL for the run journal's notifications (<see cref="RunEventJournal.Channel"/>)
/// over one connection per process and wakes this process's readers through <see cref="RunEventSignal"/>.
/// A lost connection is reopened; every reader is woken then, since notifications sent meanwhile are gone.
/// Does nothing on SQLite, whose one process is woken by the writer.
/// </summary>
public sealed class RunEventListener(Database database, RunEventSignal signal, ILogger<RunEventListener> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != DatabaseProvider.Postgres)
            return;

        for (var failures = 0; !stoppingToken.IsCancellationRequested;)
        {
            try
            {
                await using var connection = database.CreateListenerConnection();
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var runId))
                        signal.Pulse(runId);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {RunEventJournal.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                failures = 0;
                signal.PulseAll();
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            // Whatever ends the connection (a socket error surfacing unwrapped, say) must not end the
            // listener, nor with it the scheduler: streams fall back to their keepalive re-read meanwhile.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                logger.LogWarning("Run event listener lost its database connection (try {Failures}): {Error}", failures, ex.Message);
                signal.PulseAll();
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(failures, 5)), stoppingToken);
            }
        }
    }
}
