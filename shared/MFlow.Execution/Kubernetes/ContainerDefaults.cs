using k8s.Models;
using MFlow.Contracts;

namespace MFlow.Execution.Kubernetes;

/// <summary>The pieces every builder reuses: custom containers, secure defaults, mounts of the task's Secret.</summary>
public static class ContainerDefaults
{
    /// <summary>Where a task writes its outputs (NUL-ended NAME=value records, at most 4 KB): the termination message file.</summary>
    public const string OutputFile = "/dev/termination-log";

    /// <summary>The build mode of a Job whose containers the task gave itself (<see cref="Custom"/>).</summary>
    public const string CustomMode = "custom";

    /// <summary>The unprivileged user tasks run as where their tool allows it.</summary>
    public const long NonRootUser = 65532;

    /// <summary>The shared working directory of a task's containers.</summary>
    public const string WorkspacePath = "/workspace";

    /// <summary>The workspace volume's name.</summary>
    public const string WorkspaceVolume = "workspace";

    /// <summary>Where a target cluster's kubeconfig is mounted.</summary>
    public const string KubeconfigPath = "/etc/mflow/kubeconfig/config";

    /// <summary>A container that runs as an unprivileged user, cannot gain privileges and holds no capabilities.</summary>
    public static V1SecurityContext Restricted(long user = NonRootUser) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>The pod-level context matching <see cref="Restricted"/>: files in volumes readable by the task's group.</summary>
    public static V1PodSecurityContext RestrictedPod(long user = NonRootUser) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        FsGroup = user,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>An environment variable with a value.</summary>
    public static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    /// <summary>Requests and limits.</summary>
    public static V1ResourceRequirements Resources(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memoryLimit) },
    };

    /// <summary>
    /// A volume with one key of an existing Secret, at a fixed file name, readable by the task's group
    /// (0440): the file name never comes from a param, so commands can name it without quoting anything.
    /// </summary>
    public static V1Volume SecretVolume(string name, string secretName, string key, string path) => new()
    {
        Name = name,
        Secret = new V1SecretVolumeSource { SecretName = secretName, Items = [new V1KeyToPath { Key = key, Path = path }], DefaultMode = 0x120 /* 0440 */ },
    };

    /// <summary>An emptyDir workspace volume.</summary>
    public static V1Volume Workspace() => new() { Name = WorkspaceVolume, EmptyDir = new V1EmptyDirVolumeSource() };

    /// <summary>
    /// The Job for a task that gives its containers itself (any kind): they run as given, as an
    /// unprivileged user, sharing an emptyDir workspace; outputs are NUL-ended NAME=value records in $_OUTPUT_FILE.
    /// </summary>
    public static KindJobSpec Custom(RunTaskCommand command)
    {
        var main = command.Container ?? throw new TaskParamException("container", "The task gives no container to run.");
        return new KindJobSpec
        {
            Main = FromSpec(main, "main"),
            InitContainers = command.InitContainers.Select((c, i) => FromSpec(c, $"init-{i + 1}")).ToList(),
            Volumes = [Workspace()],
            PodSecurity = RestrictedPod(),
            Mode = CustomMode,
        };
    }

    /// <summary>A container from a task's spec: argv as given, never through a shell.</summary>
    public static V1Container FromSpec(ContainerSpec spec, string defaultName)
    {
        if (string.IsNullOrWhiteSpace(spec.Image))
            throw new TaskParamException("container.image", "A container needs an image.");
        return new V1Container
        {
            Name = spec.Name ?? defaultName,
            Image = spec.Image,
            Command = spec.Command.Count > 0 ? [.. spec.Command] : null,
            Args = spec.Args.Count > 0 ? [.. spec.Args] : null,
            WorkingDir = spec.WorkingDir is { Length: > 0 } dir ? (dir.StartsWith('/') ? dir : $"{WorkspacePath}/{dir}") : WorkspacePath,
            Env = spec.Env.Where(e => !SystemVariables.IsSystemVariable(e.Key)).Select(e => Env(e.Key, e.Value)).ToList(),
            VolumeMounts = [new V1VolumeMount { Name = WorkspaceVolume, MountPath = WorkspacePath }],
            Resources = Resources("100m", "128Mi", "1", "512Mi"),
            SecurityContext = Restricted(),
        };
    }

    /// <summary>Reads the outputs a container wrote to $_OUTPUT_FILE (its termination message): NUL-ended NAME=value records, see <see cref="TaskOutputs"/>.</summary>
    public static IReadOnlyDictionary<string, string> ReadOutputRecords(string? terminationMessage) =>
        TaskOutputs.Parse(terminationMessage);
}
