using System.CommandLine;
using MFlow.Cli.Output;

namespace MFlow.Cli.Commands;

/// <summary><c>mflow cluster add|list|rm</c>: target clusters, registered by id; kubeconfigs go in and never come out.</summary>
public static class ClusterCommands
{
    /// <summary>The command.</summary>
    public static Command Build() => new("cluster", "Target clusters deploy tasks name by id (their kubeconfigs are never shown).") { Add(), List(), Remove() };

    static Command Add()
    {
        var id = new Argument<string>("id") { Description = "The cluster's id (lowercase letters, digits, '-')." };
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "The kubeconfig file to reach it with; - reads standard input.", Required = true };
        var description = new Option<string?>("--description") { Description = "What it is." };
        var output = OutputOptions.Create();
        var add = new Command("add", "Register a cluster.") { id, kubeconfig, description, output };
        add.Handle(async (result, ct) =>
        {
            var config = await RunDocuments.ReadAsync(result.GetValue(kubeconfig)!, ct);
            using var client = MflowCli.Client(result);
            var cluster = await client.PostJsonAsync("api/v1/clusters", new { id = result.GetValue(id), description = result.GetValue(description), kubeconfig = config }, ct);
            Printer.Print(cluster, result.GetValue(output), c => Console.WriteLine($"Cluster '{c.Text("id")}' registered."));
            return 0;
        });
        return add;
    }

    static Command List()
    {
        var output = OutputOptions.Create();
        var list = new Command("list", "List the registered clusters.") { output };
        list.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var clusters = await client.GetAsync("api/v1/clusters", ct);
            Printer.Print(clusters, result.GetValue(output), rows => Printer.Table(rows.AsArray(),
                ("ID", c => c.Text("id")), ("DESCRIPTION", c => c.Text("description")), ("CREATED BY", c => c.Text("createdBy")), ("AGE", c => Printer.Age(c.Time("createdAt")))));
            return 0;
        });
        return list;
    }

    static Command Remove()
    {
        var id = new Argument<string>("id") { Description = "The cluster's id." };
        var rm = new Command("rm", "Remove a registered cluster and its kubeconfig.") { id };
        rm.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            await client.DeleteAsync($"api/v1/clusters/{Uri.EscapeDataString(result.GetValue(id)!)}", ct);
            Console.WriteLine($"Cluster '{result.GetValue(id)}' removed.");
            return 0;
        });
        return rm;
    }
}
