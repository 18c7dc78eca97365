using System.CommandLine;
using System.Text.Json.Nodes;
using MFlow.Cli.Api;
using MFlow.Cli.Config;
using MFlow.Cli.Output;

namespace MFlow.Cli.Commands;

/// <summary><c>login</c>, <c>whoami</c> and <c>context list|use|rm</c>: which server, with which key.</summary>
public static class LoginCommands
{
    /// <summary>The commands.</summary>
    public static IEnumerable<Command> Build()
    {
        yield return Login();
        yield return WhoAmI();
        yield return Context();
    }

    static Command Login()
    {
        var server = new Option<string>("--server", "-s") { Description = "The MFlow API's URL, e.g. http://127.0.0.1:8080.", Required = true };
        var key = new Option<string?>("--key", "-k") { Description = "The API key (prefer --key-stdin: a key on the command line stays in the shell's history)." };
        var keyStdin = new Option<bool>("--key-stdin") { Description = "Read the API key from standard input." };
        var name = new Option<string?>("--name") { Description = "The context's name (default: the server's host:port)." };
        var login = new Command("login", "Check an API key against a server and save both as the current context (~/.config/mflow/config.yaml, mode 0600).")
        {
            server, key, keyStdin, name,
        };
        login.Handle(async (result, ct) =>
        {
            var uri = Connection.ParseServer(result.GetValue(server)!);
            var secret = result.GetValue(keyStdin) ? (await Console.In.ReadToEndAsync(ct)).Trim() : result.GetValue(key);
            if (string.IsNullOrWhiteSpace(secret))
                throw new CliException("Give the API key with --key KEY or --key-stdin.");
            var contextName = result.GetValue(name) ?? uri.Authority;

            using var client = new ApiClient(new Connection(uri, secret, $"login to {uri}"));
            var who = await WhoAsync(client, ct);

            var path = CliConfig.DefaultPath();
            var config = CliConfig.Load(path);
            config.Contexts.RemoveAll(c => c.Name == contextName);
            config.Contexts.Add(new CliContext { Name = contextName, Server = uri.ToString().TrimEnd('/'), Key = secret });
            config.CurrentContext = contextName;
            config.Save(path);
            Console.WriteLine($"Logged in to {uri.ToString().TrimEnd('/')}{who}. Context '{contextName}' saved in {path} and made current.");
            return 0;
        });
        return login;
    }

    static Command WhoAmI()
    {
        var output = OutputOptions.Create();
        var whoami = new Command("whoami", "Show the server and the key's name and role.") { output };
        whoami.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var me = await client.GetAsync("api/v1/me", ct);
            me["server"] = client.Connection.Server.ToString().TrimEnd('/');
            me["source"] = client.Connection.Source;
            Printer.Print(me, result.GetValue(output), m => Printer.Fields(("Server", m.Text("server")), ("From", m.Text("source")), ("Key", m.Text("name")), ("Role", m.Text("role"))));
            return 0;
        });
        return whoami;
    }

    // " as <name> (<role>)" from GET /api/v1/me; a server without that route is checked with a read any key may do.
    static async Task<string> WhoAsync(ApiClient client, CancellationToken ct)
    {
        try
        {
            var me = await client.GetAsync("api/v1/me", ct);
            return $" as {me.Text("name")} ({me.Text("role")})";
        }
        catch (ApiException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            await client.GetAsync("api/v1/runs?limit=1", ct);
            return "";
        }
    }

    static Command Context()
    {
        var output = OutputOptions.Create();
        var list = new Command("list", "List the contexts (never their keys).") { output };
        list.Handle((result, _) =>
        {
            var config = CliConfig.Load(CliConfig.DefaultPath());
            var contexts = new JsonArray([.. config.Contexts.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["server"] = c.Server,
                ["current"] = c.Name == config.CurrentContext,
            })]);
            Printer.Print(contexts, result.GetValue(output), rows => Printer.Table(rows.AsArray(),
                ("CURRENT", r => r["current"]!.GetValue<bool>() ? "*" : ""), ("NAME", r => r.Text("name")), ("SERVER", r => r.Text("server"))));
            return Task.FromResult(0);
        });

        var useName = new Argument<string>("name") { Description = "The context to make current." };
        var use = new Command("use", "Make a context the current one.") { useName };
        use.Handle((result, _) =>
        {
            var path = CliConfig.DefaultPath();
            var config = CliConfig.Load(path);
            var name = result.GetValue(useName)!;
            var context = config.Find(name) ?? throw new CliException($"There is no context '{name}' in {path} (mflow context list shows them).");
            config.CurrentContext = context.Name;
            config.Save(path);
            Console.WriteLine($"Switched to context '{context.Name}' ({context.Server}).");
            return Task.FromResult(0);
        });

        var rmName = new Argument<string>("name") { Description = "The context to forget, with its key." };
        var rm = new Command("rm", "Forget a context and its key.") { rmName };
        rm.Handle((result, _) =>
        {
            var path = CliConfig.DefaultPath();
            var config = CliConfig.Load(path);
            var name = result.GetValue(rmName)!;
            if (config.Contexts.RemoveAll(c => c.Name == name) == 0)
                throw new CliException($"There is no context '{name}' in {path}.");
            if (config.CurrentContext == name)
                config.CurrentContext = config.Contexts.FirstOrDefault()?.Name;
            config.Save(path);
            Console.WriteLine($"Removed context '{name}'.");
            return Task.FromResult(0);
        });

        return new Command("context", "The servers logged in to: list them, choose one.") { list, use, rm };
    }
}
