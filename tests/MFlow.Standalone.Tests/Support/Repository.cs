using MFlow.Testing;

namespace MFlow.Standalone.Tests.Support;

/// <summary>The example pipelines the README's commands run.</summary>
public static class Repository
{
    public static FileInfo Example(string name) => new(RepositoryPaths.Combine("examples", "pipelines", name));
}
