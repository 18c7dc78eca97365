namespace MFlow.Testing;

/// <summary>
/// Well-known places in the repository, found from the running test assembly: the repository root is
/// the nearest directory above <see cref="AppContext.BaseDirectory"/> that holds <c>MFlow.sln</c>.
/// </summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> _root = new(FindRoot);
    private static readonly Lazy<string> _configuration = new(DetectConfiguration);

    /// <summary>The repository root (the directory holding <c>MFlow.sln</c>).</summary>
    /// <exception cref="InvalidOperationException">No directory above the test assembly holds MFlow.sln.</exception>
    public static string Root => _root.Value;

    /// <summary><c>examples/</c>: the pipelines and job definitions a newcomer can run.</summary>
    public static string Examples => Path.Combine(Root, "examples");

    /// <summary><c>services/</c>: one directory per service project.</summary>
    public static string Services => Path.Combine(Root, "services");

    /// <summary><c>scripts/</c>.</summary>
    public static string Scripts => Path.Combine(Root, "scripts");

    /// <summary><c>k8s/</c>: the manifests that deploy MFlow itself.</summary>
    public static string Kubernetes => Path.Combine(Root, "k8s");

    /// <summary>
    /// The build configuration (<c>Debug</c>, <c>Release</c>, ...) of the running test assembly, read from
    /// its output path (<c>bin/&lt;Configuration&gt;/&lt;framework&gt;/</c>); services are looked up in the same one.
    /// </summary>
    public static string Configuration => _configuration.Value;

    /// <summary>Path of a file or directory below the repository root.</summary>
    /// <param name="relativeParts">Path segments below the root, e.g. <c>"examples", "pipelines"</c>.</param>
    public static string Combine(params string[] relativeParts) => Path.Combine([Root, .. relativeParts]);

    /// <summary>
    /// The built entry assembly of a service: <c>services/&lt;project&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;project&gt;.dll</c>.
    /// </summary>
    /// <param name="projectName">The service project's name, e.g. <c>MFlow.Scheduler</c>.</param>
    /// <exception cref="FileNotFoundException">The service has not been built in <see cref="Configuration"/>.</exception>
    public static string ServiceAssembly(string projectName)
    {
        var path = Path.Combine(Services, projectName, "bin", Configuration, "net10.0", projectName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} does not exist: build the solution first (dotnet build MFlow.sln -c {Configuration}; " +
                "scripts/test.sh does), and check that services/" + projectName + " is the project's directory.",
                path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MFlow.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No directory above {AppContext.BaseDirectory} holds MFlow.sln; run the tests from the repository's build output.");
    }

    private static string DetectConfiguration()
    {
        var segments = AppContext.BaseDirectory.Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(segments, "bin");
        if (bin >= 0 && bin + 1 < segments.Length)
        {
            return segments[bin + 1];
        }

#if DEBUG
        return "Debug";
#else
        return "Release";
#endif
    }
}
