namespace MFlow.Contracts;

/// <summary>
/// A container to run: what a pipeline task gives explicitly (until job definitions supply it).
/// The Kubernetes executor runs it as a container of the task's Job; the local executor runs
/// <see cref="Command"/> and <see cref="Args"/> as a host process and ignores <see cref="Image"/>.
/// </summary>
public sealed record ContainerSpec
{
    /// <summary>Container name, a DNS-1123 label (defaults to "main" or "init-N").</summary>
    public string? Name { get; init; }

    /// <summary>Container image reference.</summary>
    public string Image { get; init; } = "";

    /// <summary>Entrypoint; the executable and its leading arguments.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Arguments after the command, passed as argv, never through a shell.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Environment variables for this container (the task's params and system variables are added to them).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Working directory inside the container; relative to the task's fresh directory for the local executor.</summary>
    public string? WorkingDir { get; init; }
}
