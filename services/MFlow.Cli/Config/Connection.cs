namespace MFlow.Cli.Config;

/// <summary>
/// The server and key a command talks to: the current context's (or <c>--context</c>'s), with
/// <c>MFLOW_SERVER</c> and <c>MFLOW_KEY</c> overriding either, so that CI jobs need no config file.
/// </summary>
public sealed record Connection(Uri Server, string Key, string Source)
{
    /// <summary>Overrides the server of every context.</summary>
    public const string ServerVariable = "MFLOW_SERVER";

    /// <summary>Overrides the key of every context.</summary>
    public const string KeyVariable = "MFLOW_KEY";

    /// <summary>Resolves the connection.</summary>
    /// <exception cref="CliException">Nothing names a server or a key, or a named context does not exist.</exception>
    public static Connection Resolve(string? contextName)
    {
        var path = CliConfig.DefaultPath();
        var config = CliConfig.Load(path);
        var name = contextName ?? config.CurrentContext;
        CliContext? context = null;
        if (name is not null)
        {
            context = config.Find(name);
            if (context is null && contextName is not null)
                throw new CliException($"There is no context '{contextName}' in {path} (mflow context list shows them).");
        }

        var server = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } envServer ? envServer : context?.Server;
        var key = Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } envKey ? envKey : context?.Key;
        if (string.IsNullOrEmpty(server) || string.IsNullOrEmpty(key))
        {
            throw new CliException(
                $"No server to talk to: run 'mflow login --server URL --key KEY' first, or set {ServerVariable} and {KeyVariable}.");
        }

        var source = context is null ? "environment" : $"context '{context.Name}'";
        return new Connection(ParseServer(server), key, source);
    }

    /// <summary>A server URL as users type it: http(s), a trailing slash optional.</summary>
    /// <exception cref="CliException">Not an http or https URL.</exception>
    public static Uri ParseServer(string server)
    {
        if (!Uri.TryCreate(server.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"'{server}' is not a server URL: expected http(s)://host[:port].");
        return uri;
    }
}
