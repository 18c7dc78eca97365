using System.Text.RegularExpressions;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;

namespace MFlow.Workers.Deploy.Jobs;

/// <summary>
/// The deploy Job, as in the seeds: a kubectl image sets the image of a Deployment, StatefulSet or
/// DaemonSet container, annotates the workload with the task id, then waits for the rollout; a
/// rollback run undoes the last rollout instead of setting an image. Each step is a container run
/// with argv (init containers run in order), never a shell string. The target cluster's kubeconfig
/// comes from the task's Secret; without one, kubectl acts in the Job's own cluster as the
/// DEPLOY_SERVICE_ACCOUNT service account.
/// </summary>
public sealed partial class KubectlJobBuilder : IJobBuilder
{
    /// <summary>The annotation holding the workload (kind/name), read back as the task's output.</summary>
    public const string WorkloadAnnotation = "mflow.dev/workload";

    /// <summary>The annotation holding the image set, read back as the task's output.</summary>
    public const string ImageAnnotation = "mflow.dev/image";

    // The bitnami kubectl image's unprivileged user.
    const long KubectlUser = 1001;

    /// <inheritdoc />
    public JobKind Kind => JobKind.Deploy;

    /// <inheritdoc />
    public KindJobSpec Build(RunTaskCommand command, JobBuildContext context)
    {
        var p = new TaskParams(command);
        var kind = (p["WORKLOAD_KIND"] ?? "Deployment").ToLowerInvariant() switch
        {
            "deployment" => "deployment",
            "statefulset" => "statefulset",
            "daemonset" => "daemonset",
            var other => throw new TaskParamException("WORKLOAD_KIND", $"'{TaskParams.Escape(other)}' is not Deployment, StatefulSet or DaemonSet."),
        };
        var name = TaskParams.CheckObjectName("WORKLOAD_NAME", p.Required("WORKLOAD_NAME", "the workload to deploy."));
        var workload = $"{kind}/{name}";
        var namespaceArgs = p["WORKLOAD_NAMESPACE"] is { } ns ? new[] { "--namespace", TaskParams.CheckLabel("WORKLOAD_NAMESPACE", ns) } : [];
        var timeout = p["ROLLOUT_TIMEOUT"] ?? "300s";
        if (!DurationPattern().IsMatch(timeout))
            throw new TaskParamException("ROLLOUT_TIMEOUT", $"'{TaskParams.Escape(timeout)}' is not a duration such as 300s or 5m.");

        var steps = new List<V1Container>();
        string? image = null;
        if (command.Mode == RunMode.Rollback)
        {
            steps.Add(Kubectl(context, "rollout-undo", ["rollout", "undo", workload, .. namespaceArgs]));
        }
        else
        {
            image = TaskParams.CheckImage("IMAGE", p.Required("IMAGE", "the image to deploy."));
            var container = TaskParams.CheckLabel("CONTAINER_NAME", p["CONTAINER_NAME"] ?? name);
            steps.Add(Kubectl(context, "set-image", ["set", "image", workload, $"{container}={image}", .. namespaceArgs]));
        }

        steps.Add(Kubectl(context, "annotate", ["annotate", workload, $"{TaskLabels.WorkloadTaskAnnotation}={command.TaskId}", "--overwrite", .. namespaceArgs]));
        var status = Kubectl(context, "rollout-status", ["rollout", "status", workload, $"--timeout={timeout}", .. namespaceArgs]);

        var hasKubeconfig = command.SecretValues.ContainsKey(SecretKeys.Kubeconfig);
        var annotations = new Dictionary<string, string> { [WorkloadAnnotation] = workload };
        if (image is not null)
            annotations[ImageAnnotation] = image;
        return new KindJobSpec
        {
            Main = status,
            InitContainers = steps,
            Volumes = [new V1Volume { Name = "home", EmptyDir = new V1EmptyDirVolumeSource() }],
            PodSecurity = ContainerDefaults.RestrictedPod(KubectlUser),
            ServiceAccountName = hasKubeconfig ? null : TaskParams.CheckObjectName("DEPLOY_SERVICE_ACCOUNT", p["DEPLOY_SERVICE_ACCOUNT"] ?? "mflow-deployer"),
            Mode = command.Mode == RunMode.Rollback ? "kubectl-rollback" : "kubectl",
            Annotations = annotations,
        };
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> ReadOutputs(V1Job job, string? terminationMessage)
    {
        var annotations = job.Metadata.Annotations is { } given ? new Dictionary<string, string>(given) : [];
        if (annotations.GetValueOrDefault(TaskLabels.BuildMode) is not ("kubectl" or "kubectl-rollback"))
            return ContainerDefaults.ReadOutputRecords(terminationMessage);

        var outputs = new Dictionary<string, string> { ["WORKLOAD"] = annotations.GetValueOrDefault(WorkloadAnnotation) ?? "" };
        if (annotations.GetValueOrDefault(ImageAnnotation) is { } image)
            outputs["IMAGE"] = image;
        return outputs;
    }

    static V1Container Kubectl(JobBuildContext context, string name, List<string> args) => new()
    {
        Name = name,
        Image = context.Images.Kubectl,
        Command = ["kubectl"],
        Args = args,
        Env = [ContainerDefaults.Env("HOME", "/home/mflow")],
        VolumeMounts = [new V1VolumeMount { Name = "home", MountPath = "/home/mflow" }],
        Resources = ContainerDefaults.Resources("50m", "64Mi", "500m", "256Mi"),
        SecurityContext = ReadOnlyRoot(ContainerDefaults.Restricted(KubectlUser)),
    };

    static V1SecurityContext ReadOnlyRoot(V1SecurityContext context)
    {
        context.ReadOnlyRootFilesystem = true;
        return context;
    }

    [GeneratedRegex("^[0-9]{1,6}[smh]\\z")]
    private static partial Regex DurationPattern();
}
