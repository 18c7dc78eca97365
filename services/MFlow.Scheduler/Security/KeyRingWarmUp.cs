using Microsoft.AspNetCore.DataProtection;
using MFlow.Persistence;

namespace MFlow.Scheduler.Security;

/// <summary>
/// Loads the key ring (making its first key in a fresh database) before the bus starts. Loading it
/// reads the database on a connection of its own, and the first encryption of a dispatch happens
/// inside the dispatch's transaction: left to the first messages, a backlog's worth of dispatches
/// would each hold a connection while waiting for the one load that needs another.
/// </summary>
public sealed class KeyRingWarmUp(IDataProtectionProvider protection, ILogger<KeyRingWarmUp> logger) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) =>
        DatabaseStartup.RunAsync(_ =>
        {
            protection.CreateProtector("MFlow.KeyRingWarmUp").Protect("key ring loaded");
            return Task.CompletedTask;
        }, "Loading the key ring", logger, cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
