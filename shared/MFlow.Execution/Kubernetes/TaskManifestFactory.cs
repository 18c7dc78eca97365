using System.Text;
using k8s;
using k8s.Models;
using MFlow.Contracts;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Builds every object of a task attempt: the kind's part from its <see cref="IJobBuilder"/>, plus
/// what every Job shares (deterministic name, labels, retry budget, deadline, TTL, restartPolicy
/// Never, the system variables, the update token from the task's Secret, resources, security), and
/// the task's <see cref="PodTemplate"/> (scheduling, pull secrets, identity, resources, metadata). Pure.
/// </summary>
public static class TaskManifestFactory
{
    /// <summary>The Secret key holding the update token.</summary>
    public const string UpdateTokenKey = "update-token";

    /// <summary>The Secret key holding a target cluster's kubeconfig.</summary>
    public const string KubeconfigKey = "kubeconfig";

    /// <summary>The prefix of the Secret keys holding sensitive params ("param-registry-password").</summary>
    public const string SensitiveParamKeyPrefix = "param-";

    /// <summary>Whether a key of a task's Secret holds one of its secret values (not its kind's own data, such as Ansible's extra vars of plain params).</summary>
    public static bool HoldsSecretValue(string key) =>
        key is UpdateTokenKey or KubeconfigKey || key.StartsWith(SensitiveParamKeyPrefix, StringComparison.Ordinal);

    /// <summary>Builds the manifests.</summary>
    /// <param name="command">The task attempt.</param>
    /// <param name="builder">Its kind's builder.</param>
    /// <param name="namespace">Where its objects go.</param>
    /// <param name="options">The executor's settings.</param>
    /// <exception cref="TaskParamException">A param is missing or invalid.</exception>
    public static TaskManifests Build(RunTaskCommand command, IJobBuilder builder, string @namespace, KubernetesExecutorOptions options)
    {
        var name = TaskLabels.JobNameFor(command);
        var context = new JobBuildContext(@namespace, name, options.Images);
        // A task that gives its own container runs it as given; otherwise its kind builds the Job.
        var spec = command.Container is not null ? ContainerDefaults.Custom(command) : builder.Build(command, context);
        if (spec.Mode != ContainerDefaults.CustomMode)
            EscapeBuiltContainers(spec);

        var secretData = new Dictionary<string, string>(spec.SecretData, StringComparer.Ordinal);
        var sharedEnv = new List<V1EnvVar>();
        var mainOnlyEnv = new List<V1EnvVar>();
        var volumes = new List<V1Volume>(spec.Volumes);
        var sharedMounts = new List<V1VolumeMount>();

        // Param and system values are data: escaped so the kubelet's $(VAR) expansion leaves them as given.
        foreach (var (param, value) in command.Params.Where(p => !SystemVariables.IsSystemVariable(p.Key)))
            sharedEnv.Add(Env(param, value));
        foreach (var (variable, value) in SystemVariableValues.For(command, ContainerDefaults.OutputFile, options.ApiUrl))
            sharedEnv.Add(Env(variable, value));

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
                    sharedMounts.Add(new V1VolumeMount { Name = "mflow-kubeconfig", MountPath = Path.GetDirectoryName(ContainerDefaults.KubeconfigPath), ReadOnlyProperty = true });
                    sharedEnv.Add(ContainerDefaults.Env("KUBECONFIG", ContainerDefaults.KubeconfigPath));
                    break;
                default:
                    // A sensitive param: in the Secret, and into the main container by reference only.
                    var secretKey = SensitiveParamKeyPrefix + key.ToLowerInvariant().Replace('_', '-');
                    secretData[secretKey] = value;
                    mainOnlyEnv.Add(SecretEnv(key, name, secretKey));
                    break;
            }
        }

        var pod = command.PodTemplate ?? new PodTemplate();
        foreach (var container in spec.InitContainers)
            Complete(container, sharedEnv, sharedMounts, main: false);
        Complete(spec.Main, sharedEnv.Concat(mainOnlyEnv).ToList(), sharedMounts, main: true);
        if (pod.Resources is { } resources)
            spec.Main.Resources = new V1ResourceRequirements { Requests = Quantities(resources.Requests), Limits = Quantities(resources.Limits) };

        // The task's own labels and annotations first: MFlow's, which tie the Job to its task, always win.
        var labels = Merge(pod.Labels, TaskLabels.For(command));
        var annotations = Merge(Merge(pod.Annotations, spec.Annotations), new Dictionary<string, string>
        {
            [TaskLabels.TaskName] = command.TaskName,
            [TaskLabels.JobName] = command.JobName,
            [TaskLabels.BuildMode] = spec.Mode,
        });
        if (command.SecretValues.Keys.Any(key => key != SecretKeys.UpdateToken))
            annotations[TaskLabels.MaskedSecret] = name;
        if (MFlowTelemetry.CurrentTraceParent is { } traceParent)
            annotations[TaskLabels.TraceParent] = traceParent;
        var serviceAccount = pod.ServiceAccountName ?? spec.ServiceAccountName;
        var job = new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = V1Job.KubeKind,
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = labels, Annotations = annotations },
            Spec = new V1JobSpec
            {
                BackoffLimit = command.BackoffLimit,
                ActiveDeadlineSeconds = command.TimeoutSeconds,
                PodFailurePolicy = PodFailurePolicies.For(spec.Main.Name, command.NonRetryableExitCodes),
                TtlSecondsAfterFinished = pod.TtlSecondsAfterFinished ?? options.TtlSecondsAfterFinished,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = new Dictionary<string, string>(labels),
                        Annotations = Merge(pod.Annotations, new Dictionary<string, string> { [TaskLabels.TaskName] = command.TaskName }),
                    },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        InitContainers = spec.InitContainers.Count > 0 ? spec.InitContainers : null,
                        Containers = [spec.Main],
                        Volumes = volumes.Count > 0 ? volumes : null,
                        SecurityContext = spec.PodSecurity ?? ContainerDefaults.RestrictedPod(),
                        ServiceAccountName = serviceAccount,
                        // Tasks get API credentials only when they run as a service account (an in-cluster deploy, workload identity).
                        AutomountServiceAccountToken = serviceAccount is not null,
                        EnableServiceLinks = false,
                        NodeSelector = pod.NodeSelector.Count > 0 ? new Dictionary<string, string>(pod.NodeSelector) : null,
                        Tolerations = pod.Tolerations.Count > 0 ? pod.Tolerations.Select(Toleration).ToList() : null,
                        Affinity = pod.AffinityJson is { } affinity ? KubernetesJson.Deserialize<V1Affinity>(affinity) : null,
                        ImagePullSecrets = pod.ImagePullSecrets.Count > 0 ? pod.ImagePullSecrets.Select(s => new V1LocalObjectReference { Name = s }).ToList() : null,
                        PriorityClassName = pod.PriorityClassName,
                    },
                },
            },
        };

        var secret = secretData.Count == 0 ? null : new V1Secret
        {
            ApiVersion = "v1",
            Kind = V1Secret.KubeKind,
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = new Dictionary<string, string>(labels) },
            Type = "Opaque",
            Data = secretData.ToDictionary(e => e.Key, e => Encoding.UTF8.GetBytes(e.Value)),
        };
        var configMap = spec.ConfigMapData is null ? null : new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = V1ConfigMap.KubeKind,
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = new Dictionary<string, string>(labels) },
            Data = spec.ConfigMapData,
        };
        return new TaskManifests(job, secret, configMap);
    }

    /// <summary>
    /// The reference that makes an object the Job's, so that deleting the Job (or its TTL) deletes it
    /// too; blockOwnerDeletion false, so that setting it needs no update right on the Job's finalizers.
    /// </summary>
    public static V1OwnerReference OwnerReferenceTo(V1Job job) => new()
    {
        ApiVersion = "batch/v1",
        Kind = V1Job.KubeKind,
        Name = job.Metadata.Name,
        Uid = job.Metadata.Uid,
        BlockOwnerDeletion = false,
        Controller = false,
    };

    // Param and system values are data: escaped so the kubelet's $(VAR) expansion leaves them as given.
    static V1EnvVar Env(string name, string value) => new() { Name = name, Value = ContainerVariables.Escape(value) };

    static V1EnvVar SecretEnv(string name, string secretName, string key) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secretName, Key = key } },
    };

    static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> under, IReadOnlyDictionary<string, string> over)
    {
        var merged = new Dictionary<string, string>(under, StringComparer.Ordinal);
        foreach (var (key, value) in over)
            merged[key] = value;
        return merged;
    }

    static Dictionary<string, ResourceQuantity>? Quantities(IReadOnlyDictionary<string, string> values) =>
        values.Count == 0 ? null : values.ToDictionary(e => e.Key, e => new ResourceQuantity(e.Value));

    static V1Toleration Toleration(PodToleration toleration) => new()
    {
        Key = toleration.Key,
        OperatorProperty = toleration.Operator,
        Value = toleration.Value,
        Effect = toleration.Effect,
        TolerationSeconds = toleration.TolerationSeconds,
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

    static void Complete(V1Container container, IReadOnlyList<V1EnvVar> env, IReadOnlyList<V1VolumeMount> mounts, bool main)
    {
        // System variables first, so the container's own env values and args can use $(_JOB_TASK_ID)
        // (the kubelet only expands variables defined earlier); the container's own env wins over
        // params; nothing overrides a system variable.
        var own = container.Env ?? [];
        var merged = env.Where(e => SystemVariables.IsSystemVariable(e.Name)).ToList();
        merged.AddRange(env.Where(e => !SystemVariables.IsSystemVariable(e.Name) && own.All(o => o.Name != e.Name)));
        merged.AddRange(own.Where(o => !SystemVariables.IsSystemVariable(o.Name)));
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
