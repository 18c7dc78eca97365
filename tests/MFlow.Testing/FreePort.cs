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
}
