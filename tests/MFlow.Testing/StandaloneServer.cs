using Xunit;

namespace MFlow.Testing;

/// <summary>
/// <c>MFlow.Standalone serve</c> as a separate process (the scheduler's API with every service in one
/// process, its SQLite database in a directory of its own) with a bootstrap admin key, and clients of its API.
/// </summary>
public class StandaloneServer : IAsyncLifetime
{
    readonly Dictionary<string, string?> _environment;

    /// <summary>Prepares a server; <see cref="InitializeAsync"/> starts it.</summary>
    /// <param name="name">The process's name in messages and output, and its directory's.</param>
    /// <param name="adminKey">The bootstrap admin key (MFlow:Api:AdminKey).</param>
    /// <param name="environment">Configuration besides the admin key, as environment variables.</param>
    public StandaloneServer(string name, string adminKey, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Name = name;
        AdminKey = adminKey;
        _environment = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["MFlow__Api__AdminKey"] = adminKey };
        DataDirectory = Directory.CreateTempSubdirectory($"mflow-{name}-").FullName;
    }

    /// <summary>The process's name in messages and output.</summary>
    public string Name { get; }

    /// <summary>The bootstrap admin key.</summary>
    public string AdminKey { get; }

    /// <summary>The directory the server keeps its database in, deleted when it stops.</summary>
    public string DataDirectory { get; }

    /// <summary>The serving process.</summary>
    public ServiceProcess Process { get; private set; } = null!;

    /// <summary>The API's URL, without a trailing slash.</summary>
    public string Url => Process.BaseAddress.ToString().TrimEnd('/');

    /// <summary>The SQLite database the server keeps everything in (its -wal and -shm files beside it).</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "mflow.db");

    /// <summary>Starts the server and waits until it is healthy.</summary>
    public virtual async Task InitializeAsync()
    {
        Process = ServiceProcess.Start(
            "MFlow.Standalone",
            _environment,
            Name,
            arguments: address => ["serve", "--urls", address.ToString().TrimEnd('/'), "--database", DatabasePath]);
        // A loaded CI machine (other suites, the build's leftovers) can take minutes to start it.
        await Process.WaitUntilHealthyAsync(TimeSpan.FromSeconds(180));
    }

    /// <summary>A client of the API sending <paramref name="key"/> as its bearer token (none when null).</summary>
    public HttpClient Client(string? key) => ApiKeys.Client(Process.BaseAddress, key);

    /// <summary>Creates an API key as the admin and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(string name, string role)
    {
        using var admin = Client(AdminKey);
        return await ApiKeys.CreateAsync(admin, name, role);
    }

    /// <summary>Stops the server and deletes its directory.</summary>
    public virtual async Task DisposeAsync()
    {
        if (Process is not null)
            await Process.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
