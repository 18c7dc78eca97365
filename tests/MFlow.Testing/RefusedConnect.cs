using System.Diagnostics;
using System.Net.Sockets;

namespace MFlow.Testing;

/// <summary>
/// The tests' own connections to the test broker and database try a connect the network refuses again
/// for up to 30 s, as the services' drivers do. Right after a server's container was restarted, it has a
/// new address, and a new connection to its published port that meets a connection-tracking entry from
/// before the restart gets "No route to host" (seen on loaded machines, minutes into a fault test); a
/// test must fail on what it checks, not on that. Only socket-level failures are tried again: wrong
/// credentials, a missing virtual host or database, or an error answer fail at once.
/// </summary>
public static class RefusedConnect
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _pause = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs <paramref name="connect"/>, again while it fails at the socket level, for up to 30 s.</summary>
    /// <typeparam name="T">What the connect gives.</typeparam>
    /// <param name="connect">Opens the connection, or sends the request; called once per try.</param>
    /// <param name="cancellationToken">Cancels the tries.</param>
    /// <exception cref="Exception">The last try's failure, once 30 s have passed or it is not a refused connect.</exception>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> connect, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await connect().ConfigureAwait(false);
            }
            catch (Exception exception) when (IsRefusedConnect(exception) && clock.Elapsed < _patience && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether a failure comes from the socket (RabbitMQ.Client and Npgsql wrap it, AMQP in an aggregate).</summary>
    /// <param name="exception">The failure.</param>
    public static bool IsRefusedConnect(Exception exception) => exception switch
    {
        SocketException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsRefusedConnect),
        { InnerException: { } inner } => IsRefusedConnect(inner),
        _ => false,
    };
}
