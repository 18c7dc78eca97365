using System.Net;
using System.Net.Sockets;

namespace MFlow.Testing;

/// <summary>Free TCP ports on the loopback interface, for services the tests start.</summary>
public static class FreePort
{
    private static readonly HashSet<int> _handed = [];

    /// <summary>
    /// A port nothing listens on right now, chosen by the kernel, and never one this process has handed
    /// out before (two services started by one test run never get the same port).
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            lock (_handed)
            {
                if (_handed.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("The kernel kept handing out ports this process already used.");
    }

    /// <summary>
    /// A port free on every interface right now, below the kernel's ephemeral range (from which
    /// outgoing connections take their local ports), and never one this process handed out before.
    /// For a server that is restarted on the same port: while it is down, no client reconnecting to
    /// it can be given its port.
    /// </summary>
    public static int NextBelowEphemeralRange()
    {
        const int low = 20000;
        var high = Math.Max(EphemeralRangeStart() - 1, low + 1000);
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            lock (_handed)
            {
                if (_handed.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                _handed.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"No free TCP port found between {low} and {high}.");
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768; // Linux's default
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
