using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MFlow.Cli.Config;

/// <summary>
/// <c>~/.config/mflow/config.yaml</c> (or <c>$MFLOW_CONFIG</c>): the servers this user logged in to,
/// each a named context with its API key, and the current one. The file holds keys, so it is written
/// readable by its owner only (0600) in a directory only they can enter (0700).
/// </summary>
public sealed class CliConfig
{
    /// <summary>Names another config file, as KUBECONFIG does for kubectl.</summary>
    public const string PathVariable = "MFLOW_CONFIG";

    static readonly ISerializer Serializer = new SerializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).Build();

    static readonly IDeserializer Deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties().Build();

    /// <summary>The context commands use unless told otherwise.</summary>
    public string? CurrentContext { get; set; }

    /// <summary>Every context, in the order they were added.</summary>
    public List<CliContext> Contexts { get; set; } = [];

    /// <summary>Where the config lives.</summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path)
            return Path.GetFullPath(path);
        var configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(configHome, "mflow", "config.yaml");
    }

    /// <summary>Reads the config; an absent file is an empty config.</summary>
    /// <exception cref="CliException">The file is not a config this tool wrote.</exception>
    public static CliConfig Load(string path)
    {
        if (!File.Exists(path))
            return new CliConfig();
        try
        {
            return Deserializer.Deserialize<CliConfig?>(File.ReadAllText(path)) ?? new CliConfig();
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new CliException($"{path} is not an mflow config ({ex.Message}); fix it or remove it and log in again.");
        }
    }

    /// <summary>Writes the config readable by its owner only, replacing the old file at once.</summary>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(directory);
            else
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Written to a private temporary file, then renamed over the old one: the keys are never
        // readable by others, not even for a moment, and a crash never leaves half a config.
        var temporary = Path.Combine(directory, $".config.yaml.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write("# Written by mflow login: API keys of MFlow servers. Keep it private (mode 0600).\n");
            writer.Write(Serializer.Serialize(this));
        }

        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The context of that name, or null.</summary>
    public CliContext? Find(string name) => Contexts.FirstOrDefault(c => c.Name == name);
}

/// <summary>A server and the key to use with it.</summary>
public sealed class CliContext
{
    /// <summary>What <c>mflow context use</c> takes.</summary>
    public string Name { get; set; } = "";

    /// <summary>The API's base URL, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public string Server { get; set; } = "";

    /// <summary>The API key (Bearer).</summary>
    public string Key { get; set; } = "";
}
