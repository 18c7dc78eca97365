using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using MFlow.Cli.Api;
using MFlow.Cli.Config;
using MFlow.Cli.Output;

namespace MFlow.Cli.Commands;

/// <summary>
/// The <c>mflow</c> command line. Exit codes: 0 done (a watched run succeeded), 1 a watched run
/// failed, was cancelled or rejected, 2 a usage error or a refusal of the API (its problem details
/// printed on standard error).
/// </summary>
public static class MflowCli
{
    /// <summary>Exit code of a usage error or an API refusal.</summary>
    public const int UsageOrApiError = 2;

    /// <summary>Exit code after Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary><c>--context</c>: a context other than the current one, for this command.</summary>
    public static readonly Option<string?> ContextOption = new("--context")
    {
        Description = "Use this context (mflow context list) instead of the current one.",
        Recursive = true,
    };

    /// <summary>Parses and runs one command line.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        TerminalText.Protect();
        var root = Build();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                await Console.Error.WriteLineAsync($"mflow: {error.Message}");
            var names = new List<string>();
            for (var command = parsed.CommandResult; command.Parent is CommandResult parent; command = parent)
                names.Insert(0, command.Command.Name);
            await Console.Error.WriteLineAsync($"See '{string.Join(' ', ["mflow", .. names, "--help"])}'.");
            return UsageOrApiError;
        }

        return await parsed.InvokeAsync();
    }

    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("mflow: start, watch and steer MFlow pipeline runs, and manage definitions, clusters and API keys.");
        root.Options.Add(ContextOption);
        foreach (var command in LoginCommands.Build())
            root.Subcommands.Add(command);
        root.Subcommands.Add(RunCommands.Build());
        root.Subcommands.Add(DefinitionCommands.Build("job", "jobs", "Job definitions: versioned task templates (draft, published, deprecated)."));
        root.Subcommands.Add(DefinitionCommands.Build("pipeline", "pipelines", "Pipeline definitions: versioned, stored pipelines."));
        root.Subcommands.Add(ClusterCommands.Build());
        root.Subcommands.Add(KeyCommands.Build());
        return root;
    }

    /// <summary>Sets a command's action: errors the user can act on are printed, exit code 2.</summary>
    public static void Handle(this Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken);
            }
            catch (CliException ex)
            {
                await Console.Out.FlushAsync(CancellationToken.None);
                await Console.Error.WriteLineAsync($"Error: {ex.Message}");
                return UsageOrApiError;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: a watched run goes on; only this command stops.
                await Console.Error.WriteLineAsync("mflow: interrupted.");
                return Interrupted;
            }
            catch (JsonException ex)
            {
                await Console.Error.WriteLineAsync($"Error: the server's answer is not the JSON expected ({ex.Message}).");
                return UsageOrApiError;
            }
        });

    /// <summary>A client for the connection this command line names.</summary>
    public static ApiClient Client(ParseResult result) => new(Connection.Resolve(result.GetValue(ContextOption)));
}
