using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace MFlow.Cli.Output;

/// <summary>Standard output: the API's documents as JSON or YAML, and tables for people.</summary>
public static class Printer
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Strings that would read as another type (a number, true, null) are quoted; so is one with a
    // control character, which only a double-quoted scalar can carry (escaped, as JSON does).
    static readonly ISerializer Yaml = new SerializerBuilder().WithQuotingNecessaryStrings().DisableAliases()
        .WithEventEmitter(next => new ControlCharacterQuoting(next)).Build();

    static readonly Lazy<IAnsiConsole> _console = new(() =>
    {
        var redirected = System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            // Spectre's own escape sequences must reach the terminal; the text it is given is cleaned first.
            Out = new AnsiConsoleOutput(TerminalText.RawOut),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        // Redirected output has no width: wide enough that a table's rows stay on one line each.
        if (redirected)
            console.Profile.Width = 240;
        return console;
    });

    /// <summary>The console for tables and the live display.</summary>
    public static IAnsiConsole Console => _console.Value;

    /// <summary>Whether standard output is a terminal (a live display and colours), not a file or a pipe.</summary>
    public static bool IsTerminal => !System.Console.IsOutputRedirected;

    /// <summary>Prints <paramref name="document"/> as JSON or YAML, or calls <paramref name="table"/>.</summary>
    public static void Print(JsonNode document, OutputFormat format, Action<JsonNode> table)
    {
        switch (format)
        {
            // Exact documents: JSON and YAML escape control characters themselves.
            case OutputFormat.Json:
                TerminalText.RawOut.WriteLine(document.ToJsonString(Indented));
                break;
            case OutputFormat.Yaml:
                TerminalText.RawOut.Write(Yaml.Serialize(Plain(document)));
                break;
            default:
                table(document);
                break;
        }
    }

    /// <summary>Rows of a list as a table: one column per (header, cell).</summary>
    public static void Table(IEnumerable<JsonNode?> rows, params (string Header, Func<JsonNode, string?> Cell)[] columns)
    {
        var table = new Table().Border(TableBorder.None);
        foreach (var (header, _) in columns)
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(header)}[/]").PadLeft(0).PadRight(3));
        var count = 0;
        foreach (var row in rows.OfType<JsonNode>())
        {
            table.AddRow(columns.Select(c => new Text(TerminalText.Clean(c.Cell(row) ?? ""))).ToArray<Spectre.Console.Rendering.IRenderable>());
            count++;
        }

        if (count == 0)
        {
            System.Console.Out.WriteLine("No resources found.");
            return;
        }

        Console.Write(table);
    }

    /// <summary>Name/value lines, for one resource.</summary>
    public static void Fields(params (string Name, string? Value)[] fields)
    {
        var width = fields.Max(f => f.Name.Length) + 2;
        foreach (var (name, value) in fields.Where(f => f.Value is not null))
            System.Console.Out.WriteLine($"{(name + ":").PadRight(width)}{value}");
    }

    /// <summary>How long ago, the way kubectl's AGE column reads (5s, 3m, 2h, 4d).</summary>
    public static string Age(DateTimeOffset? time)
    {
        if (time is null)
            return "";
        var age = DateTimeOffset.UtcNow - time.Value;
        return age.TotalSeconds < 60 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }

    /// <summary>A time in the user's local zone, to the second.</summary>
    public static string When(DateTimeOffset? time) =>
        time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    // JSON as the plain objects YAML writes: maps, lists, strings, numbers, booleans, nulls.
    static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject map => map.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray list => list.Select(Plain).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? whole
                : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };

    sealed class ControlCharacterQuoting(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string text && text.Any(c => char.IsControl(c) && c is not ('\n' or '\t')))
                eventInfo.Style = ScalarStyle.DoubleQuoted;
            base.Emit(eventInfo, emitter);
        }
    }
}
