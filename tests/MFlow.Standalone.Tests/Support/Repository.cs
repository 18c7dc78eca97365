namespace MFlow.Standalone.Tests.Support;

/// <summary>Where the repository is: the directory holding MFlow.sln, above the test assembly.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static FileInfo Example(string name) => new(Path.Combine(Root, "examples", "pipelines", name));

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MFlow.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No MFlow.sln above {AppContext.BaseDirectory}.");
    }
}
