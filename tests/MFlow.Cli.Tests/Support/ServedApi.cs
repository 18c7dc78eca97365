using MFlow.Testing;

namespace MFlow.Cli.Tests.Support;

/// <summary>
/// <c>MFlow.Standalone serve</c> as a separate process (the scheduler's API with every service in one
/// process), with a known admin key: the server the CLI tests talk to, shared by all of them.
/// </summary>
public sealed class ServedApi() : StandaloneServer(
    "standalone-serve", "cli-tests-admin-key-0123456789abcdef", new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" })
{
    /// <summary>A tool instance logged in through MFLOW_SERVER and MFLOW_KEY (admin unless told otherwise).</summary>
    public Mflow Cli(string? key = null) => Mflow.For(Url, key ?? AdminKey);
}

/// <summary>The tests that share one served API.</summary>
[CollectionDefinition(Name)]
public sealed class ServedApiCollection : ICollectionFixture<ServedApi>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "served API";
}
