using System.Text.Json;
using MFlow.Persistence;
using MFlow.Persistence.Runs;

namespace MFlow.Aggregator.Runs;

/// <summary>
/// Converts the runs an earlier version kept as one JSON document each (<c>pipeline_run_state</c>)
/// into rows at start-up, before the aggregator consumes anything, so that runs in flight across an
/// upgrade carry on. Each run moves in one transaction of its own; replicas starting together each
/// take what the others have not.
/// </summary>
public sealed class LegacyRunStateImport(Database database, ILogger<LegacyRunStateImport> logger) : IHostedService
{
    const string LegacyTable = "pipeline_run_state";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var imported = 0;
        await DatabaseStartup.RunAsync(async token => imported += await ImportAllAsync(token), "Importing legacy run documents", logger, cancellationToken);
        if (imported > 0)
            logger.LogInformation("Imported {Count} runs from {Table} into rows", imported, LegacyTable);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Imports every run still in the old table; returns how many this call imported.</summary>
    public async Task<int> ImportAllAsync(CancellationToken cancellationToken)
    {
        var imported = 0;
        while (true)
        {
            var documents = new List<(Guid Id, string Data)>();
            await using (var connection = await database.OpenAsync(cancellationToken))
            await using (var command = connection.Command($"SELECT correlation_id, data FROM {LegacyTable} ORDER BY correlation_id LIMIT 100"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    documents.Add((reader.GetId(0), reader.GetString(1)));
            }

            if (documents.Count == 0)
                return imported;
            foreach (var (id, data) in documents)
            {
                var run = JsonSerializer.Deserialize<PipelineRunState>(data, StoredJson.Options) ?? new PipelineRunState();
                run.CorrelationId = id;
                await using var connection = await database.OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (await new RunRows(database, connection, transaction).ImportAsync(run, cancellationToken))
                    imported++;
                await connection.ExecuteAsync($"DELETE FROM {LegacyTable} WHERE correlation_id = @id", transaction, cancellationToken, ("id", id));
                await transaction.CommitAsync(cancellationToken);
            }
        }
    }
}
