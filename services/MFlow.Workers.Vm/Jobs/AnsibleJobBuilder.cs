using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Kubernetes.Naming;

namespace MFlow.Workers.Vm.Jobs;

/// <summary>
/// The VM Job: Ansible in a container runs a playbook against an inventory of virtual machines over
/// SSH. The playbook and inventory come from a ConfigMap the worker creates (owned by the Job), or
/// from an existing one; the SSH key from a Secret; the task's params become extra vars marked
/// <c>!unsafe</c>, so Ansible never templates them; host-key checking is set explicitly either way.
/// </summary>
public sealed partial class AnsibleJobBuilder : IJobBuilder
{
    const string PlaybookDirectory = "/etc/mflow/vm";
    const string ExtraVarsPath = "/etc/mflow/task/extra-vars.yml";
    const string ExtraVarsKey = "extra-vars.yml";

    /// <summary>Params that steer the Job rather than being passed to the playbook.</summary>
    public static readonly IReadOnlySet<string> ControlParams = new HashSet<string>
    {
        "PLAYBOOK", "INVENTORY", "PLAYBOOK_CONFIGMAP", "SSH_SECRET", "SSH_SECRET_KEY", "SSH_USER", "HOST_KEY_CHECKING",
        "KNOWN_HOSTS_SECRET", "KNOWN_HOSTS_SECRET_KEY", "LIMIT", "TAGS", "CHECK", "VERBOSITY",
    };

    // The unprivileged user Ansible runs as.
    const long AnsibleUser = 1000;

    /// <inheritdoc />
    public JobKind Kind => JobKind.Vm;

    /// <inheritdoc />
    public KindJobSpec Build(RunTaskCommand command, JobBuildContext context)
    {
        var p = new TaskParams(command);
        var volumes = new List<V1Volume> { new() { Name = "home", EmptyDir = new V1EmptyDirVolumeSource() } };
        var mounts = new List<V1VolumeMount> { new() { Name = "home", MountPath = "/home/mflow" } };
        Dictionary<string, string>? configMapData = null;
        string playbookSource;
        if (p["PLAYBOOK_CONFIGMAP"] is { } existing)
        {
            playbookSource = TaskParams.CheckObjectName("PLAYBOOK_CONFIGMAP", existing);
        }
        else
        {
            configMapData = new Dictionary<string, string>
            {
                ["playbook.yml"] = p.Required("PLAYBOOK", "the playbook to run (or PLAYBOOK_CONFIGMAP naming a ConfigMap with playbook.yml and inventory)."),
                ["inventory"] = p.Required("INVENTORY", "the machines to run it against."),
            };
            playbookSource = context.ConfigMapName;
        }

        volumes.Add(new V1Volume
        {
            Name = "playbook",
            ConfigMap = new V1ConfigMapVolumeSource
            {
                Name = playbookSource,
                Items = [new V1KeyToPath { Key = "playbook.yml", Path = "playbook.yml" }, new V1KeyToPath { Key = "inventory", Path = "inventory" }],
            },
        });
        mounts.Add(new V1VolumeMount { Name = "playbook", MountPath = PlaybookDirectory, ReadOnlyProperty = true });

        volumes.Add(ContainerDefaults.SecretVolume("extra-vars", context.SecretName, ExtraVarsKey, "extra-vars.yml"));
        mounts.Add(new V1VolumeMount { Name = "extra-vars", MountPath = Path.GetDirectoryName(ExtraVarsPath), ReadOnlyProperty = true });

        var hostKeyChecking = p.Bool("HOST_KEY_CHECKING", true);
        var env = new List<V1EnvVar>
        {
            ContainerDefaults.Env("HOME", "/home/mflow"),
            ContainerDefaults.Env("ANSIBLE_HOST_KEY_CHECKING", hostKeyChecking ? "True" : "False"),
            ContainerDefaults.Env("ANSIBLE_NOCOLOR", "1"),
            ContainerDefaults.Env("ANSIBLE_RETRY_FILES_ENABLED", "False"),
        };
        if (p["SSH_SECRET"] is { } sshSecret)
        {
            var key = TaskParams.CheckDataKey("SSH_SECRET_KEY", p["SSH_SECRET_KEY"] ?? "ssh-privatekey");
            volumes.Add(ContainerDefaults.SecretVolume("ssh-key", TaskParams.CheckObjectName("SSH_SECRET", sshSecret), key, "id"));
            mounts.Add(new V1VolumeMount { Name = "ssh-key", MountPath = "/etc/mflow/ssh", ReadOnlyProperty = true });
            env.Add(ContainerDefaults.Env("ANSIBLE_PRIVATE_KEY_FILE", "/etc/mflow/ssh/id"));
        }

        if (hostKeyChecking)
        {
            var knownHosts = p["KNOWN_HOSTS_SECRET"]
                ?? throw new TaskParamException("KNOWN_HOSTS_SECRET", "host-key checking is on (HOST_KEY_CHECKING=true) but no Secret with the machines' known_hosts was given; give one, or set HOST_KEY_CHECKING=false explicitly.");
            var key = TaskParams.CheckDataKey("KNOWN_HOSTS_SECRET_KEY", p["KNOWN_HOSTS_SECRET_KEY"] ?? "known_hosts");
            volumes.Add(ContainerDefaults.SecretVolume("known-hosts", TaskParams.CheckObjectName("KNOWN_HOSTS_SECRET", knownHosts), key, "known_hosts"));
            mounts.Add(new V1VolumeMount { Name = "known-hosts", MountPath = "/etc/mflow/known-hosts", ReadOnlyProperty = true });
            env.Add(ContainerDefaults.Env("ANSIBLE_SSH_ARGS", "-o UserKnownHostsFile=/etc/mflow/known-hosts/known_hosts"));
        }

        var args = new List<string> { "--inventory", $"{PlaybookDirectory}/inventory", "--extra-vars", "@" + ExtraVarsPath };
        if (p["SSH_USER"] is { } user)
            args.Add($"--user={(UserPattern().IsMatch(user) ? user : throw new TaskParamException("SSH_USER", $"'{TaskParams.Escape(user)}' is not a user name."))}");
        if (p["LIMIT"] is { } limit)
            args.Add($"--limit={(PatternList().IsMatch(limit) ? limit : throw new TaskParamException("LIMIT", $"'{TaskParams.Escape(limit)}' is not a host pattern."))}");
        if (p["TAGS"] is { } tags)
            args.Add($"--tags={(PatternList().IsMatch(tags) ? tags : throw new TaskParamException("TAGS", $"'{TaskParams.Escape(tags)}' is not a list of tags."))}");
        if (p.Bool("CHECK", false))
            args.Add("--check");
        if (p["VERBOSITY"] is { } verbosity and not "0")
            args.Add(verbosity switch { "1" => "-v", "2" => "-vv", "3" => "-vvv", "4" => "-vvvv", _ => throw new TaskParamException("VERBOSITY", "must be 0 to 4.") });
        args.Add($"{PlaybookDirectory}/playbook.yml");

        return new KindJobSpec
        {
            Main = new V1Container
            {
                Name = "ansible",
                Image = context.Images.Ansible,
                Command = ["ansible-playbook"],
                Args = args,
                Env = env,
                VolumeMounts = mounts,
                Resources = ContainerDefaults.Resources("100m", "256Mi", "1", "1Gi"),
                SecurityContext = ContainerDefaults.Restricted(AnsibleUser),
            },
            Volumes = volumes,
            SecretData = new() { [ExtraVarsKey] = ExtraVars(command) },
            ConfigMapData = configMapData,
            PodSecurity = ContainerDefaults.RestrictedPod(AnsibleUser),
            Mode = "ansible",
        };
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> ReadOutputs(V1Job job, string? terminationMessage) =>
        ContainerDefaults.ReadOutputRecords(terminationMessage);

    /// <summary>
    /// The task's params as Ansible extra vars: a YAML mapping whose every value is a double-quoted
    /// string tagged <c>!unsafe</c>, so that neither YAML nor Jinja can read anything
    /// in a value as structure or as a template.
    /// </summary>
    public static string ExtraVars(RunTaskCommand command)
    {
        var yaml = new StringBuilder("# MFlow task params; !unsafe: Ansible never templates these values.\n");
        foreach (var (name, value) in command.Params.Where(p => !ControlParams.Contains(p.Key) && !SystemVariables.IsSystemVariable(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!KubernetesNames.IsCIdentifier(name))
                continue; // not a valid Ansible variable name; it still reaches the container as an env var
            yaml.Append(name).Append(": !unsafe ").Append(DoubleQuoted(value)).Append('\n');
        }

        return yaml.ToString();
    }

    // A YAML double-quoted scalar, escaping only what YAML cannot hold literally. Not JSON: JSON writes
    // characters beyond U+FFFF (an emoji) as surrogate pairs ("\ud83d\ude80"), which Ansible's YAML
    // parser (libyaml) rejects, failing the whole task.
    static string DoubleQuoted(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var rune in value.EnumerateRunes())
        {
            var code = rune.Value;
            if (code is '"' or '\\')
                quoted.Append('\\').Append((char)code);
            else if (code is < 0x20 or 0x7F or (>= 0x80 and < 0xA0))
                quoted.Append(CultureInfo.InvariantCulture, $"\\x{code:X2}");
            else if (code is 0x2028 or 0x2029 or 0xFEFF)
                quoted.Append(CultureInfo.InvariantCulture, $"\\u{code:X4}");
            else
                quoted.Append(rune.ToString());
        }

        return quoted.Append('"').ToString();
    }

    [GeneratedRegex("^[a-z_][a-z0-9_.-]{0,31}\\z")]
    private static partial Regex UserPattern();

    [GeneratedRegex("^[A-Za-z0-9_.*:!&,\\[\\]-]+\\z")]
    private static partial Regex PatternList();
}
