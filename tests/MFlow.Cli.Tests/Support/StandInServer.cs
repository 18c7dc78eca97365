using System.Net;
using MFlow.Testing;

namespace MFlow.Cli.Tests.Support;

/// <summary>
/// A scripted stand-in for MFlow's API on a free loopback port, for CLI tests that need answers the
/// real server never gives (control characters, a stream cut between two events). Each request is
/// answered by <see cref="AnswerAsync"/> on its own task.
/// </summary>
public abstract class StandInServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Task _serving;

    /// <summary>Starts listening.</summary>
    protected StandInServer()
    {
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>The port it listens on.</summary>
    protected int Port { get; }

    /// <summary>The CLI, pointed at this stand-in with a key it does not check.</summary>
    protected Mflow NewCli() => Mflow.For($"http://127.0.0.1:{Port}", "stand-in-key");

    /// <summary>Answers one request.</summary>
    /// <param name="context">The request and its response, which the answer closes.</param>
    protected abstract Task AnswerAsync(HttpListenerContext context);

    async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under it.
        }

        GC.SuppressFinalize(this);
    }
}
