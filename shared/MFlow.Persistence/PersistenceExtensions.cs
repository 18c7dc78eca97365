using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MFlow.ServiceDefaults;

namespace MFlow.Persistence;

/// <summary>Registers MFlow's database.</summary>
public static class PersistenceExtensions
{
    /// <summary>
    /// Adds <see cref="Database"/> from configuration, a "ready" health check, and a start-up step
    /// that migrates the schema (register it before the bus, so no message is handled on an old schema).
    /// </summary>
    public static IHostApplicationBuilder AddMFlowDatabase(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section,
            database => database.ConnectionString ??= configuration.GetConnectionString(database.Provider.ToString()));
        builder.Services.AddSingleton(provider => new Database(provider.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton<Runs.RunEventSignal>();
        builder.Services.AddSingleton<Runs.RunEventJournal>();
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return builder;
    }

    sealed class SchemaMigrationService(SchemaMigrator migrator, ILogger<SchemaMigrationService> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            DatabaseStartup.RunAsync(migrator.MigrateAsync, "Schema migration", logger, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    sealed class DatabaseHealthCheck(Database database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = await database.OpenAsync(cancellationToken);
                await using var command = connection.Command("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("The database does not answer: " + ex.GetType().Name);
            }
        }
    }
}
