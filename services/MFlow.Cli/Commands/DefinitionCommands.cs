using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using MFlow.Cli.Api;
using MFlow.Cli.Output;
using YamlDotNet.RepresentationModel;

namespace MFlow.Cli.Commands;

/// <summary><c>mflow job|pipeline apply|list|get|publish|deprecate</c>: versioned definitions.</summary>
public static class DefinitionCommands
{
    /// <summary>The command for one kind of definition (<paramref name="noun"/> job or pipeline, at /api/v1/<paramref name="collection"/>).</summary>
    public static Command Build(string noun, string collection, string description) => new(noun, description)
    {
        Apply(noun, collection), List(noun, collection), Get(noun, collection),
        Transition(noun, collection, "publish", "Publish a draft: it becomes immutable and usable by runs."),
        Transition(noun, collection, "deprecate", "Deprecate a published version: new runs can no longer use it."),
    };

    static Argument<string> Reference(string noun) => new(noun) { Description = $"The {noun}: name@namespace.domain[:version] (no version: the latest published) or its id." };

    static Command Apply(string noun, string collection)
    {
        var file = new Option<string>("--file", "-f") { Description = $"The {noun} definition (YAML or JSON); - reads standard input.", Required = true };
        var publish = new Option<bool>("--publish") { Description = "Publish it once created or updated." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the definition's changes)." };
        var output = OutputOptions.Create();
        var apply = new Command("apply", $"Create a {noun} as a draft, or update the draft of the same name and version.") { file, publish, reason, output };
        apply.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var document = await RunDocuments.ReadAsync(result.GetValue(file)!, ct);
            var why = result.GetValue(reason) is { } text ? $"?reason={Uri.EscapeDataString(text)}" : "";
            JsonNode definition;
            string done;
            try
            {
                definition = await client.SendDocumentAsync(HttpMethod.Post, $"api/v1/{collection}{why}", document, ct);
                done = "created";
            }
            catch (ApiException ex) when (ex.Status == HttpStatusCode.Conflict && UniqueName(document) is { } name)
            {
                // Exists: a draft is updated in place; a published version is immutable, so the conflict stands.
                var existing = await client.GetAsync($"api/v1/{collection}/{Uri.EscapeDataString(name)}", ct);
                if (existing.Text("stage") != "draft")
                    throw;
                definition = await client.SendDocumentAsync(HttpMethod.Put, $"api/v1/{collection}/{existing.Text("id")}{why}", document, ct);
                done = "updated";
            }

            if (result.GetValue(publish))
            {
                definition = await client.PostJsonAsync($"api/v1/{collection}/{definition.Text("id")}/publish{why}", null, ct);
                done += " and published";
            }

            Printer.Print(definition, result.GetValue(output), d => Console.WriteLine($"{noun} {d.Text("uniqueName")} {done} ({d.Text("stage")}, id {d.Text("id")})."));
            return 0;
        });
        return apply;
    }

    // name@namespace.domain:version from the document, to find the existing definition.
    static string? UniqueName(string document)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(document));
            if (stream.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root)
                return null;
            string? Part(string key) => root.Children.TryGetValue(key, out var node) && node is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;
            return Part("name") is { } name && Part("namespace") is { } ns && Part("domain") is { } domain && Part("version") is { } version
                ? $"{name}@{ns}.{domain}:{version}"
                : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    static Command List(string noun, string collection)
    {
        var stage = new Option<string?>("--stage") { Description = "Only definitions in this stage: draft, published or deprecated." };
        var name = new Option<string?>("--name") { Description = "Only this name." };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only this namespace." };
        var label = new Option<string[]>("--label", "-l") { Description = "Only definitions with this label, key=value (repeatable)." };
        var output = OutputOptions.Create();
        var list = new Command("list", $"List {collection}.") { stage, name, ns, label, output };
        list.Handle(async (result, ct) =>
        {
            var query = new List<string>();
            foreach (var (key, value) in new[] { ("stage", result.GetValue(stage)), ("name", result.GetValue(name)), ("namespace", result.GetValue(ns)) })
            {
                if (value is not null)
                    query.Add($"{key}={Uri.EscapeDataString(value)}");
            }

            query.AddRange((result.GetValue(label) ?? []).Select(l => $"label={Uri.EscapeDataString(l)}"));
            using var client = MflowCli.Client(result);
            var found = await client.GetAsync($"api/v1/{collection}{(query.Count > 0 ? "?" + string.Join('&', query) : "")}", ct);
            var columns = new List<(string, Func<JsonNode, string?>)> { ("NAME", d => d.Text("uniqueName")) };
            if (noun == "job")
                columns.Add(("KIND", d => d.Text("kind")));
            columns.AddRange([("STAGE", d => d.Text("stage")), ("UPDATED BY", d => d.Text("updatedBy")), ("AGE", d => Printer.Age(d.Time("createdAt"))), ("ID", d => d.Text("id"))]);
            Printer.Print(found, result.GetValue(output), rows => Printer.Table(rows.AsArray(), [.. columns]));
            return 0;
        });
        return list;
    }

    static Command Get(string noun, string collection)
    {
        var reference = Reference(noun);
        var output = OutputOptions.Create();
        var get = new Command("get", $"Show a {noun} and its definition.") { reference, output };
        get.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var definition = await client.GetAsync($"api/v1/{collection}/{Uri.EscapeDataString(result.GetValue(reference)!)}", ct);
            Printer.Print(definition, result.GetValue(output), d =>
            {
                Printer.Fields(("Name", d.Text("uniqueName")), ("Id", d.Text("id")), ("Kind", d.Text("kind")), ("Stage", d.Text("stage")),
                    ("Created", $"{Printer.When(d.Time("createdAt"))} by {d.Text("createdBy")}"),
                    ("Updated", $"{Printer.When(d.Time("updatedAt"))} by {d.Text("updatedBy")}"),
                    ("Published", d.Time("publishedAt") is { } published ? Printer.When(published) : null),
                    ("Deprecated", d.Time("deprecatedAt") is { } deprecated ? Printer.When(deprecated) : null));
                if (d["definition"] is { } body)
                {
                    Console.WriteLine("Definition:");
                    Printer.Print(body, OutputFormat.Yaml, _ => { });
                }
            });
            return 0;
        });
        return get;
    }

    static Command Transition(string noun, string collection, string verb, string description)
    {
        var reference = Reference(noun);
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the definition's changes)." };
        var output = OutputOptions.Create();
        var command = new Command(verb, description) { reference, reason, output };
        command.Handle(async (result, ct) =>
        {
            using var client = MflowCli.Client(result);
            var found = await client.GetAsync($"api/v1/{collection}/{Uri.EscapeDataString(result.GetValue(reference)!)}", ct);
            var why = result.GetValue(reason) is { } text ? $"?reason={Uri.EscapeDataString(text)}" : "";
            var changed = await client.PostJsonAsync($"api/v1/{collection}/{found.Text("id")}/{verb}{why}", null, ct);
            Printer.Print(changed, result.GetValue(output), d => Console.WriteLine($"{noun} {d.Text("uniqueName")} is {d.Text("stage")}."));
            return 0;
        });
        return command;
    }
}
