using System.Net.Sockets;
using System.Text;

namespace MFlow.Standalone.Tests.Hostile;

/// <summary>
/// Sends a large request body over a plain connection, chunked (no length announced) or with its
/// length, and reads the answer while still sending, as a hostile client would: the server has to
/// refuse it at its limit, and answer, without waiting for (or buffering) the rest.
/// </summary>
public static class RawHttp
{
    /// <summary>The status and body of the answer.</summary>
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string path, IReadOnlyDictionary<string, string> headers, byte[] body, bool chunked, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancel.Token);
        var stream = client.GetStream();
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n")
            .Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n");
        foreach (var (name, value) in headers)
            head.Append($"{name}: {value}\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), cancel.Token);

        var reading = ReadToEndAsync(stream, cancel.Token);
        try
        {
            for (var offset = 0; offset < body.Length && !reading.IsCompleted; offset += 64 * 1024)
            {
                var length = Math.Min(64 * 1024, body.Length - offset);
                if (chunked)
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{length:x}\r\n"), cancel.Token);
                await stream.WriteAsync(body.AsMemory(offset, length), cancel.Token);
                if (chunked)
                    await stream.WriteAsync("\r\n"u8.ToArray(), cancel.Token);
            }

            if (chunked && !reading.IsCompleted)
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancel.Token);
        }
        catch (IOException)
        {
            // The server stopped reading and closed: its answer is already on its way.
        }

        return Parse(await reading);
    }

    static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                received.Write(buffer, 0, read);
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer arrived.
        }

        return received.ToArray();
    }

    static (int Status, string Body) Parse(byte[] response)
    {
        var text = Encoding.UTF8.GetString(response);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
            throw new InvalidOperationException($"No HTTP answer: '{text}'");
        var head = text[..split];
        var body = text[(split + 4)..];
        var status = int.Parse(head.Split(' ')[1]);
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new StringBuilder();
            while (body.Length > 0)
            {
                var end = body.IndexOf("\r\n", StringComparison.Ordinal);
                var size = Convert.ToInt32(body[..end], 16);
                if (size == 0)
                    break;
                decoded.Append(body.AsSpan(end + 2, size));
                body = body[(end + 2 + size + 2)..];
            }

            body = decoded.ToString();
        }

        return (status, body);
    }
}
