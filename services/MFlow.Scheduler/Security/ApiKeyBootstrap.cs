using MFlow.Persistence;

namespace MFlow.Scheduler.Security;

/// <summary>
/// Makes the admin key given in configuration (MFlow:Api:AdminKey, from a Kubernetes Secret or an
/// environment variable) usable, so a fresh installation can be administered. Only its hash is stored.
/// </summary>
public sealed class ApiKeyBootstrap(ApiKeyStore keys, IConfiguration configuration, ILogger<ApiKeyBootstrap> logger) : IHostedService
{
    /// <summary>The configuration key of the bootstrap admin key.</summary>
    public const string AdminKeySetting = "MFlow:Api:AdminKey";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration[AdminKeySetting] is not { Length: > 0 } secret)
            return;
        if (secret.Length < 24)
        {
            logger.LogWarning("{Setting} is shorter than 24 characters; it is not used", AdminKeySetting);
            return;
        }

        await DatabaseStartup.RunAsync(token => keys.EnsureAsync("bootstrap-admin", ApiRoles.Admin, secret, token), "Storing the bootstrap admin key", logger, cancellationToken);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
