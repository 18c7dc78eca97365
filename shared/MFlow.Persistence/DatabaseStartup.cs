using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace MFlow.Persistence;

/// <summary>
/// Runs a service's start-up step that needs the database. The database may still be starting
/// (compose, a pod restart) or refuse connections for a while (its connection limit reached): the step
/// is tried again for <see cref="Patience"/> rather than the service crash-looping, then it fails loudly.
/// </summary>
public static class DatabaseStartup
{
    /// <summary>How long a start-up step keeps trying.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Runs <paramref name="step"/>, again after each database error until <see cref="Patience"/> has passed.</summary>
    /// <param name="step">The step; it must be safe to run again after it failed part way (a transaction each, or idempotent).</param>
    /// <param name="name">What the step does, for the log.</param>
    /// <param name="logger">Where each failed attempt is logged.</param>
    /// <param name="cancellationToken">Stops trying.</param>
    public static async Task RunAsync(Func<CancellationToken, Task> step, string name, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await step(cancellationToken);
                return;
            }
            catch (DbException ex) when (DateTime.UtcNow < deadline)
            {
                logger.LogWarning(ex, "{Step}: the database is not ready (attempt {Attempt})", name, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
            }
        }
    }
}
