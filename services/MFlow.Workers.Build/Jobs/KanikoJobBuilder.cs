using System.Text.RegularExpressions;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;

namespace MFlow.Workers.Build.Jobs;

/// <summary>
/// The build Job, as in the seeds: an init container clones the repository (an SSH key from a
/// Secret, known hosts from a Secret or host-key checking explicitly off); the kaniko executor builds
/// the Dockerfile without a Docker daemon or a privileged pod and pushes to every destination, with
/// registry credentials from a docker config.json Secret mounted at /kaniko/.docker/config.json.
/// The image digest goes to the termination message and becomes the task's output.
/// </summary>
public sealed partial class KanikoJobBuilder : IJobBuilder
{
    const string SshKeyDirectory = "/etc/mflow/git-ssh";
    const string KnownHostsDirectory = "/etc/mflow/git-known-hosts";

    /// <summary>The annotation holding the first destination, to name the image with its digest afterwards.</summary>
    public const string ImageAnnotation = "mflow.dev/image";

    /// <inheritdoc />
    public JobKind Kind => JobKind.Build;

    /// <inheritdoc />
    public KindJobSpec Build(RunTaskCommand command, JobBuildContext context)
    {
        var p = new TaskParams(command);
        var gitUrl = TaskParams.CheckPlain("GIT_URL", p.Required("GIT_URL", "the repository to build."));
        var commit = p["GIT_COMMIT"];
        if (commit is not null && !CommitPattern().IsMatch(commit))
            throw new TaskParamException("GIT_COMMIT", $"'{TaskParams.Escape(commit)}' is not a commit id (7 to 40 hexadecimal digits).");
        var gitRef = TaskParams.CheckPlain("GIT_REF", p["GIT_REF"] ?? "main");
        if (gitRef.Any(char.IsWhiteSpace) || gitRef.Contains(".."))
            throw new TaskParamException("GIT_REF", $"'{TaskParams.Escape(gitRef)}' is not a branch or tag name.");

        var destinations = p.List("IMAGE_DESTINATIONS") is { Count: > 0 } list ? list : [p.Required("IMAGE", "where to push the image (or IMAGE_DESTINATIONS).")];
        foreach (var destination in destinations)
            TaskParams.CheckImage(p["IMAGE_DESTINATIONS"] is null ? "IMAGE" : "IMAGE_DESTINATIONS", destination);

        var sshSecret = p["GIT_SSH_SECRET"] is { } s ? TaskParams.CheckObjectName("GIT_SSH_SECRET", s) : null;
        var knownHostsSecret = p["GIT_KNOWN_HOSTS_SECRET"] is { } k ? TaskParams.CheckObjectName("GIT_KNOWN_HOSTS_SECRET", k) : null;
        var strictHostKeys = p.Bool("GIT_STRICT_HOST_KEY_CHECKING", true);
        if (sshSecret is not null && strictHostKeys && knownHostsSecret is null)
            throw new TaskParamException("GIT_KNOWN_HOSTS_SECRET", "an SSH clone needs the server's host keys (a Secret with known_hosts), or host-key checking explicitly off with GIT_STRICT_HOST_KEY_CHECKING=false.");

        var volumes = new List<V1Volume> { ContainerDefaults.Workspace(), new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() } };
        var cloneEnv = new List<V1EnvVar> { ContainerDefaults.Env("HOME", "/tmp") };
        var cloneMounts = new List<V1VolumeMount>
        {
            new() { Name = ContainerDefaults.WorkspaceVolume, MountPath = ContainerDefaults.WorkspacePath },
            new() { Name = "tmp", MountPath = "/tmp" },
        };
        if (sshSecret is not null)
        {
            var keyName = TaskParams.CheckDataKey("GIT_SSH_SECRET_KEY", p["GIT_SSH_SECRET_KEY"] ?? "id_rsa");
            volumes.Add(ContainerDefaults.SecretVolume("git-ssh-key", sshSecret, keyName, "id"));
            cloneMounts.Add(new V1VolumeMount { Name = "git-ssh-key", MountPath = SshKeyDirectory, ReadOnlyProperty = true });
            // Git runs this through a shell; it holds only fixed paths, never a param.
            var hostKeys = knownHostsSecret is not null
                ? $"-o UserKnownHostsFile={KnownHostsDirectory}/known_hosts -o StrictHostKeyChecking=yes"
                : "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null";
            cloneEnv.Add(ContainerDefaults.Env("GIT_SSH_COMMAND", $"ssh -i {SshKeyDirectory}/id -o IdentitiesOnly=yes {hostKeys}"));
            if (knownHostsSecret is not null)
            {
                var hostsKey = TaskParams.CheckDataKey("GIT_KNOWN_HOSTS_SECRET_KEY", p["GIT_KNOWN_HOSTS_SECRET_KEY"] ?? "known_hosts");
                volumes.Add(ContainerDefaults.SecretVolume("git-known-hosts", knownHostsSecret, hostsKey, "known_hosts"));
                cloneMounts.Add(new V1VolumeMount { Name = "git-known-hosts", MountPath = KnownHostsDirectory, ReadOnlyProperty = true });
            }
        }

        if (p["WORKSPACE_PVC"] is { } claim)
            volumes[0] = new V1Volume { Name = ContainerDefaults.WorkspaceVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = TaskParams.CheckObjectName("WORKSPACE_PVC", claim) } };

        var init = new List<V1Container>();
        if (commit is null)
        {
            init.Add(Git(context, "clone", ["clone", "--single-branch", "--depth=1", $"--branch={gitRef}", "--", gitUrl, ContainerDefaults.WorkspacePath], cloneEnv, cloneMounts));
        }
        else
        {
            init.Add(Git(context, "clone", ["clone", "--no-checkout", "--", gitUrl, ContainerDefaults.WorkspacePath], cloneEnv, cloneMounts));
            init.Add(Git(context, "checkout", ["-C", ContainerDefaults.WorkspacePath, "checkout", "--detach", commit], cloneEnv, cloneMounts));
        }

        var registrySecret = TaskParams.CheckObjectName("REGISTRY_SECRET", p["REGISTRY_SECRET"] ?? "kaniko-secret");
        var registryKey = TaskParams.CheckDataKey("REGISTRY_SECRET_KEY", p["REGISTRY_SECRET_KEY"] ?? "config.json");
        volumes.Add(ContainerDefaults.SecretVolume("registry-credentials", registrySecret, registryKey, "config.json"));

        var args = new List<string> { $"--context=dir://{ContainerDefaults.WorkspacePath}" };
        if (p["CONTEXT_SUB_PATH"] is { } subPath)
            args.Add($"--context-sub-path={TaskParams.CheckRelativePath("CONTEXT_SUB_PATH", subPath)}");
        args.Add($"--dockerfile={TaskParams.CheckRelativePath("DOCKERFILE", p["DOCKERFILE"] ?? "Dockerfile")}");
        args.AddRange(destinations.Select(d => $"--destination={d}"));
        var cache = p.Bool("CACHE", true);
        args.Add($"--cache={(cache ? "true" : "false")}");
        if (cache && p["CACHE_REPO"] is { } cacheRepo)
            args.Add($"--cache-repo={TaskParams.CheckImage("CACHE_REPO", cacheRepo)}");
        // Each value is its own argv element: kaniko takes everything after the first '=' literally.
        args.AddRange(p.KeyValues("BUILD_ARGS").Select(a => $"--build-arg={a.Key}={a.Value}"));
        args.AddRange(p.KeyValues("IMAGE_LABELS").Select(l => $"--label={l.Key}={l.Value}"));
        if (p["TARGET"] is { } target)
            args.Add($"--target={TaskParams.CheckPlain("TARGET", target)}");
        args.AddRange(p.List("REGISTRY_MIRRORS").Select(m => $"--registry-mirror={TaskParams.CheckPlain("REGISTRY_MIRRORS", m)}"));
        args.AddRange(p.List("INSECURE_REGISTRIES").Select(r => $"--insecure-registry={TaskParams.CheckPlain("INSECURE_REGISTRIES", r)}"));
        if (p.Bool("SKIP_TLS_VERIFY", false))
            args.Add("--skip-tls-verify");
        if (p.Bool("REPRODUCIBLE", false))
            args.Add("--reproducible");
        args.Add($"--digest-file={ContainerDefaults.OutputFile}");
        args.Add($"--verbosity={Verbosity(p["VERBOSITY"])}");

        var kaniko = new V1Container
        {
            Name = "kaniko",
            Image = context.Images.Kaniko,
            Args = args,
            VolumeMounts =
            [
                new V1VolumeMount { Name = ContainerDefaults.WorkspaceVolume, MountPath = ContainerDefaults.WorkspacePath },
                new V1VolumeMount { Name = "registry-credentials", MountPath = "/kaniko/.docker/config.json", SubPath = "config.json", ReadOnlyProperty = true },
            ],
            Resources = ContainerDefaults.Resources("500m", "1Gi", "2", "4Gi"),
            // kaniko unpacks image filesystems and must run as root, but needs no privileged pod,
            // no privilege escalation and no Docker daemon: that is why the seeds chose it.
            SecurityContext = new V1SecurityContext { RunAsUser = 0, RunAsNonRoot = false, AllowPrivilegeEscalation = false, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
        };

        return new KindJobSpec
        {
            Main = kaniko,
            InitContainers = init,
            Volumes = volumes,
            PodSecurity = new V1PodSecurityContext { FsGroup = ContainerDefaults.NonRootUser, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Mode = "kaniko",
            Annotations = new() { [ImageAnnotation] = destinations[0] },
        };
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> ReadOutputs(V1Job job, string? terminationMessage)
    {
        var annotations = job.Metadata.Annotations ?? new Dictionary<string, string>();
        if (!annotations.TryGetValue(TaskLabels.BuildMode, out var mode) || mode != "kaniko")
            return ContainerDefaults.ReadOutputRecords(terminationMessage);

        var digest = terminationMessage?.Trim();
        if (digest is null || !DigestPattern().IsMatch(digest))
            return new Dictionary<string, string>();
        var image = annotations.TryGetValue(ImageAnnotation, out var named) ? named : "";
        return new Dictionary<string, string>
        {
            ["IMAGE_DIGEST"] = digest,
            ["IMAGE"] = $"{image}@{digest}",
        };
    }

    static V1Container Git(JobBuildContext context, string name, List<string> args, List<V1EnvVar> env, List<V1VolumeMount> mounts) => new()
    {
        Name = name,
        Image = context.Images.Git,
        Command = ["git"],
        Args = args,
        Env = [.. env],
        VolumeMounts = [.. mounts],
        Resources = ContainerDefaults.Resources("100m", "128Mi", "1", "1Gi"),
        SecurityContext = ContainerDefaults.Restricted(),
    };

    static string Verbosity(string? value) => value?.ToLowerInvariant() switch
    {
        null => "info",
        "trace" or "debug" or "info" or "warn" or "error" or "fatal" or "panic" => value.ToLowerInvariant(),
        _ => throw new TaskParamException("VERBOSITY", $"'{TaskParams.Escape(value)}' is not one of trace, debug, info, warn, error, fatal, panic."),
    };

    [GeneratedRegex("^[0-9a-f]{7,40}\\z")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^sha256:[0-9a-f]{64}\\z")]
    private static partial Regex DigestPattern();
}
