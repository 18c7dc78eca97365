using MFlow.Persistence;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// Publishes the built-in jobs (examples/jobs, copied next to the service as jobs/*.yaml) at
/// start-up when they are absent. Several schedulers starting at once create each one once.
/// </summary>
public sealed class BuiltinJobLoader(DefinitionStore store, IConfiguration configuration, ILogger<BuiltinJobLoader> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = configuration["MFlow:Definitions:BuiltinJobs"] ?? JobFiles.BuiltinDirectory;
        if (!Directory.Exists(directory))
        {
            logger.LogWarning("No built-in jobs at {Directory}", directory);
            return;
        }

        foreach (var parsed in JobFiles.Read(directory))
            await DatabaseStartup.RunAsync(token => PublishIfAbsentAsync(parsed, token), $"Publishing built-in job {parsed.Name}", logger, cancellationToken);
    }

    async Task PublishIfAbsentAsync(ParsedDefinition parsed, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(DefinitionTypes.Job, parsed.Name, cancellationToken) is not null)
            return;
        var created = await store.CreateAsync(DefinitionTypes.Job, parsed.Name, parsed.Kind, parsed.Labels, parsed.Document, "mflow", "built-in job", cancellationToken);
        if (created is not null)
        {
            await store.PublishAsync(DefinitionTypes.Job, created.Id, "mflow", "built-in job", cancellationToken);
            logger.LogInformation("Published built-in job {Job}", parsed.Name);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
