using System.Text;
using MFlow.Contracts;
using MFlow.ServiceDefaults.Telemetry;
using MFlow.Kubernetes.Models;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Builds every object of a task attempt: the kind's part from its <see cref="IJobBuilder"/>, plus
/// what every Job shares (deterministic name, labels, retry budget, deadline, TTL, restartPolicy
/// Never, the system variables, the update token from the task's Secret, resources, security). Pure.
/// </summary>
public static class TaskManifestFactory
{
    /// <summary>The Secret key holding the update token.</summary>
    public const string UpdateTokenKey = "update-token";

    /// <summary>The Secret key holding a target cluster's kubeconfig.</summary>
    public const string KubeconfigKey = "kubeconfig";

    /// <summary>Builds the manifests.</summary>
    /// <exception cref="TaskParamException">A param is missing or invalid.</exception>
    public static TaskManifests Build(RunTaskCommand command, IJobBuilder builder, string @namespace, KubernetesExecutorOptions options)
    {
        var name = TaskLabels.JobNameFor(command);
        var context = new JobBuildContext(@namespace, name, options.Images);
        // A task that gives its own container runs it as given; otherwise its kind builds the Job.
        var spec = command.Container is not null ? ContainerDefaults.Custom(command) : builder.Build(command, context);
        if (spec.Mode != ContainerDefaults.CustomMode)
            EscapeBuiltContainers(spec);
        var labels = TaskLabels.For(command);

        var secretData = new Dictionary<string, string>(spec.SecretData, StringComparer.Ordinal);
        var sharedEnv = new List<EnvVar>();
        var mainOnlyEnv = new List<EnvVar>();
        var volumes = new List<Volume>(spec.Volumes);
        var sharedMounts = new List<VolumeMount>();

        // Param and system values are data: escaped so the kubelet's $(VAR) expansion leaves them as given.
        foreach (var (param, value) in command.Params.Where(p => !SystemVariables.IsSystemVariable(p.Key)))
            sharedEnv.Add(new EnvVar(param, ContainerVariables.Escape(value)));
        foreach (var (variable, value) in SystemVariableValues.For(command, ContainerDefaults.OutputFile, options.ApiUrl))
            sharedEnv.Add(new EnvVar(variable, ContainerVariables.Escape(value)));

        foreach (var (key, value) in command.SecretValues)
        {
            switch (key)
            {
                case SecretKeys.UpdateToken:
                    secretData[UpdateTokenKey] = value;
                    mainOnlyEnv.Add(SecretEnv(SystemVariables.UpdateToken, name, UpdateTokenKey));
                    break;
                case SecretKeys.Kubeconfig:
                    secretData[KubeconfigKey] = value;
                    volumes.Add(ContainerDefaults.SecretVolume("mflow-kubeconfig", name, KubeconfigKey, "config"));
                    sharedMounts.Add(new VolumeMount { Name = "mflow-kubeconfig", MountPath = Path.GetDirectoryName(ContainerDefaults.KubeconfigPath), ReadOnly = true });
                    sharedEnv.Add(new EnvVar("KUBECONFIG", ContainerDefaults.KubeconfigPath));
                    break;
                default:
                    // A sensitive param: in the Secret, and into the main container by reference only.
                    var secretKey = "param-" + key.ToLowerInvariant().Replace('_', '-');
                    secretData[secretKey] = value;
                    mainOnlyEnv.Add(SecretEnv(key, name, secretKey));
                    break;
            }
        }

        foreach (var container in spec.InitContainers)
            Complete(container, sharedEnv, sharedMounts, main: false);
        Complete(spec.Main, sharedEnv.Concat(mainOnlyEnv).ToList(), sharedMounts, main: true);

        var annotations = new Dictionary<string, string>(spec.Annotations)
        {
            [TaskLabels.TaskName] = command.TaskName,
            [TaskLabels.JobName] = command.JobName,
            [TaskLabels.BuildMode] = spec.Mode,
        };
        if (MFlowTelemetry.CurrentTraceParent is { } traceParent)
            annotations[TaskLabels.TraceParent] = traceParent;
        var job = new Job(
            new ObjectMeta { Name = name, Namespace = @namespace, Labels = labels, Annotations = annotations },
            new JobSpec
            {
                BackoffLimit = command.BackoffLimit,
                ActiveDeadlineSeconds = command.TimeoutSeconds,
                TtlSecondsAfterFinished = options.TtlSecondsAfterFinished,
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string>(labels), Annotations = new Dictionary<string, string> { [TaskLabels.TaskName] = command.TaskName } },
                    Spec = new PodSpec
                    {
                        RestartPolicy = RestartPolicies.Never,
                        InitContainers = spec.InitContainers.Count > 0 ? spec.InitContainers : null,
                        Containers = [spec.Main],
                        Volumes = volumes.Count > 0 ? volumes : null,
                        SecurityContext = spec.PodSecurity ?? ContainerDefaults.RestrictedPod(),
                        ServiceAccountName = spec.ServiceAccountName,
                        // Tasks get API credentials only when their kind needs them (an in-cluster deploy).
                        AutomountServiceAccountToken = spec.ServiceAccountName is not null,
                        EnableServiceLinks = false,
                    },
                },
            });

        var secret = secretData.Count == 0 ? null : new Secret
        {
            Metadata = new ObjectMeta { Name = name, Namespace = @namespace, Labels = new Dictionary<string, string>(labels) },
            Type = "Opaque",
            Data = secretData.ToDictionary(e => e.Key, e => Encoding.UTF8.GetBytes(e.Value)),
        };
        var configMap = spec.ConfigMapData is null ? null : new ConfigMap
        {
            Metadata = new ObjectMeta { Name = name, Namespace = @namespace, Labels = new Dictionary<string, string>(labels) },
            Data = spec.ConfigMapData,
        };
        return new TaskManifests(job, secret, configMap);
    }

    /// <summary>Makes an object owned by the Job, so that deleting the Job (or its TTL) deletes it too.</summary>
    public static void OwnBy(KubernetesObject owned, Job job) =>
        owned.Metadata.OwnerReferences =
        [
            new OwnerReference
            {
                ApiVersion = Job.ApiVersionValue,
                Kind = Job.KindValue,
                Name = job.Metadata.Name,
                Uid = job.Metadata.Uid,
                BlockOwnerDeletion = false,
                Controller = false,
            },
        ];

    static EnvVar SecretEnv(string name, string secretName, string key) => new()
    {
        Name = name,
        ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = secretName, Key = key } },
    };

    // A built-in kind's containers are assembled from params and fixed text without '$': nothing in
    // them is meant for the kubelet's $(VAR) expansion, so every '$' is a param's and is escaped.
    static void EscapeBuiltContainers(KindJobSpec spec)
    {
        foreach (var container in spec.InitContainers.Append(spec.Main))
        {
            container.Command = container.Command?.Select(ContainerVariables.Escape).ToList();
            container.Args = container.Args?.Select(ContainerVariables.Escape).ToList();
            foreach (var variable in container.Env ?? [])
                variable.Value = variable.Value is null ? null : ContainerVariables.Escape(variable.Value);
        }
    }

    static void Complete(Container container, IReadOnlyList<EnvVar> env, IReadOnlyList<VolumeMount> mounts, bool main)
    {
        // System variables first, so the container's own env values and args can use $(_JOB_TASK_ID)
        // (the kubelet only expands variables defined earlier); the container's own env wins over
        // params; nothing overrides a system variable.
        var own = container.Env ?? [];
        var merged = env.Where(e => SystemVariables.IsSystemVariable(e.Name!)).ToList();
        merged.AddRange(env.Where(e => !SystemVariables.IsSystemVariable(e.Name!) && own.All(o => o.Name != e.Name)));
        merged.AddRange(own.Where(o => !SystemVariables.IsSystemVariable(o.Name!)));
        container.Env = merged;
        if (mounts.Count > 0)
            container.VolumeMounts = [.. container.VolumeMounts ?? [], .. mounts];
        container.Resources ??= ContainerDefaults.Resources("100m", "128Mi", "1", "512Mi");
        container.SecurityContext ??= ContainerDefaults.Restricted();
        if (main)
        {
            container.TerminationMessagePath = ContainerDefaults.OutputFile;
            container.TerminationMessagePolicy = "File";
        }
    }
}
