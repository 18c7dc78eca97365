using System.CommandLine;
using System.Text.Json.Nodes;
using MFlow.Cli.Output;

namespace MFlow.Cli.Commands;

/// <summary><c>mflow key create|list|rm</c>: API keys (admin). A key's secret is shown once, when it is created.</summary>
public static class KeyCommands
{
    /// <summary>The command.</summary>
    public static Command Build() => new("key", "API keys: create (the secret is shown this once), list, revoke.") { Create(), List(), Remove() };

    static Command Create()
    {
        var name = new Argument<string>("name") { Description = "What the key is for (unique)." };
        var role = new Option<string>("--role") { Description = "viewer, operator or admin.", Required = true };
        var output = OutputOptions.Create();
        var create = new Command("create", "Create a key; its secret is printed this once.") { name, role, output };
        create.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var created = await client.PostJsonAsync("api/v1/keys", new { name = result.GetValue(name), role = result.GetValue(role) }, ct);
            Printer.Print(created, result.GetValue(output), c =>
            {
                Console.WriteLine($"Created key '{c["key"].Text("name")}' ({c["key"].Text("role")}, id {c["key"].Text("id")}). Its secret is shown this once; keep it:");
                Console.WriteLine(c.Text("secret"));
            });
            return 0;
        });
        return create;
    }

    static Command List()
    {
        var output = OutputOptions.Create();
        var list = new Command("list", "List the keys (never their secrets).") { output };
        list.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var keys = await client.GetAsync("api/v1/keys", ct);
            Printer.Print(keys, result.GetValue(output), rows => Printer.Table(rows.AsArray(),
                ("NAME", k => k.Text("name")), ("ROLE", k => k.Text("role")), ("CREATED BY", k => k.Text("createdBy")),
                ("AGE", k => Printer.Age(k.Time("createdAt"))), ("REVOKED", k => k.Time("revokedAt") is { } at ? Printer.When(at) : ""), ("ID", k => k.Text("id"))));
            return 0;
        });
        return list;
    }

    static Command Remove()
    {
        var key = new Argument<string>("key") { Description = "The key's name or id." };
        var rm = new Command("rm", "Revoke a key: it stops working at once.") { key };
        rm.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var given = result.GetValue(key)!;
            if (!Guid.TryParse(given, out var id))
            {
                var live = (await client.GetAsync("api/v1/keys", ct)).AsArray().OfType<JsonNode>()
                    .FirstOrDefault(k => k.Text("name") == given && k.Text("revokedAt") is null)
                    ?? throw new CliException($"There is no live key named '{given}' (mflow key list shows them).");
                id = Guid.Parse(live.Text("id")!);
            }

            await client.DeleteAsync($"api/v1/keys/{id}", ct);
            Console.WriteLine($"Key '{given}' revoked.");
            return 0;
        });
        return rm;
    }
}
