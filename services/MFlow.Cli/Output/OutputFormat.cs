using System.CommandLine;

namespace MFlow.Cli.Output;

/// <summary>How a command prints what it lists or shows (<c>-o</c>).</summary>
public enum OutputFormat
{
    /// <summary>Columns for people.</summary>
    Table,

    /// <summary>The API's JSON, indented.</summary>
    Json,

    /// <summary>The API's JSON as YAML.</summary>
    Yaml,
}

/// <summary>The <c>-o</c> option.</summary>
public static class OutputOptions
{
    /// <summary>A new <c>--output</c>/<c>-o</c> option (each command needs its own instance).</summary>
    public static Option<OutputFormat> Create() => new("--output", "-o")
    {
        Description = "Output format: table, json or yaml.",
        HelpName = "table|json|yaml",
        DefaultValueFactory = _ => OutputFormat.Table,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "table" : result.Tokens[0].Value;
            if (Enum.TryParse<OutputFormat>(text, ignoreCase: true, out var format) && !int.TryParse(text, out _))
                return format;
            result.AddError($"'{text}' is not an output format: expected table, json or yaml.");
            return OutputFormat.Table;
        },
    };
}
