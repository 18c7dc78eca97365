using System.Reflection;

namespace MFlow.ContractDocs;

/// <summary>The two generated documents, as they should read and as they are on disk.</summary>
public static class ContractDocuments
{
    /// <summary>The AsyncAPI document, relative to the repository root.</summary>
    public const string AsyncApiPath = "docs/asyncapi.yaml";

    /// <summary>The messages page, relative to the repository root.</summary>
    public const string MessagesPath = "docs/messages.md";

    /// <summary>The command that regenerates both.</summary>
    public const string Command = "dotnet run --project tools/MFlow.ContractDocs";

    /// <summary>The contracts package's version, which the AsyncAPI document carries.</summary>
    public static string ContractsVersion =>
        typeof(MFlow.Contracts.StartPipeline).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>What docs/asyncapi.yaml should hold.</summary>
    public static string ExpectedAsyncApi(ContractSchemas schemas) =>
        "# Generated from shared/MFlow.Contracts: do not edit. Regenerate with `" + Command + "`.\n" + AsyncApiDocument.Yaml(schemas, ContractsVersion);

    /// <summary>What docs/messages.md should hold, given what it holds now (the text around the generated part is kept).</summary>
    public static string ExpectedMessages(ContractSchemas schemas, string current)
    {
        var start = current.IndexOf(MessagesMarkdown.Start, StringComparison.Ordinal);
        var end = current.IndexOf(MessagesMarkdown.End, StringComparison.Ordinal);
        if (start < 0 || end < start)
            throw new InvalidOperationException($"{MessagesPath} has lost its markers '{MessagesMarkdown.Start}' and '{MessagesMarkdown.End}'.");
        var after = current[(end + MessagesMarkdown.End.Length)..].TrimStart('\n');
        return current[..start] + MessagesMarkdown.Generated(schemas) + (after.Length > 0 ? "\n" + after : "");
    }

    /// <summary>Rewrites what is out of date; returns the paths rewritten.</summary>
    public static IReadOnlyList<string> Write(string root)
    {
        var schemas = ContractSchemas.Load();
        var changed = new List<string>();
        foreach (var (path, expected) in new[]
        {
            (AsyncApiPath, ExpectedAsyncApi(schemas)),
            (MessagesPath, ExpectedMessages(schemas, File.ReadAllText(Path.Combine(root, MessagesPath)))),
        })
        {
            var full = Path.Combine(root, path);
            if (File.Exists(full) && File.ReadAllText(full) == expected)
                continue;
            File.WriteAllText(full, expected);
            changed.Add(path);
        }

        return changed;
    }

    /// <summary>The directory holding MFlow.sln, at or above <paramref name="start"/>.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MFlow.sln")))
                return directory.FullName;
        }

        throw new DirectoryNotFoundException($"No MFlow.sln at or above {start}: run this inside the repository.");
    }
}
