using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Build.Jobs;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

/// <summary>A task's pod template goes into its Job as written, MFlow's own labels stay, and the API server accepts it.</summary>
public sealed class When_a_task_sets_its_pod_template : IAsyncLifetime
{
    static readonly PodTemplate Pod = new()
    {
        NodeSelector = new Dictionary<string, string> { ["kubernetes.io/arch"] = "amd64" },
        Tolerations =
        [
            new PodToleration { Key = "dedicated", Operator = "Equal", Value = "ci", Effect = "NoSchedule" },
            new PodToleration { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 60 },
        ],
        AffinityJson = """{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"In","values":["eu-west-1a"]}]}]}},"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"topologyKey":"kubernetes.io/hostname","labelSelector":{"matchLabels":{"mflow.dev/kind":"build"}}}}]}}""",
        ImagePullSecrets = ["registry-credentials"],
        ServiceAccountName = "ci-builder",
        Resources = new ContainerResources
        {
            Requests = new Dictionary<string, string> { ["cpu"] = "2", ["memory"] = "4Gi" },
            Limits = new Dictionary<string, string> { ["memory"] = "8Gi", ["nvidia.com/gpu"] = "1" },
        },
        PriorityClassName = "ci-high",
        Labels = new Dictionary<string, string> { ["team"] = "payments" },
        Annotations = new Dictionary<string, string> { ["cluster-autoscaler.kubernetes.io/safe-to-evict"] = "false" },
        TtlSecondsAfterFinished = 600,
    };

    TrackerRig _rig = null!;

    public async Task InitializeAsync() => _rig = await TrackerRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public void Should_render_scheduling_pull_secrets_identity_and_resources_into_the_job()
    {
        var job = Manifests.JobFor(Commands.Build() with { PodTemplate = Pod }).ToJson();

        var pod = job["spec"]!["template"]!["spec"]!;
        var kaniko = pod["containers"]![0]!;
        Assert.Equal("amd64", pod["nodeSelector"]!["kubernetes.io/arch"]!.GetValue<string>());
        Assert.Equal("""[{"effect":"NoSchedule","key":"dedicated","operator":"Equal","value":"ci"},{"effect":"NoExecute","key":"node.kubernetes.io/unreachable","operator":"Exists","tolerationSeconds":60}]""", pod["tolerations"]!.ToJsonString());
        Assert.Equal("eu-west-1a", pod["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!["values"]![0]!.GetValue<string>());
        Assert.Equal(100, pod["affinity"]!["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]![0]!["weight"]!.GetValue<int>());
        Assert.Equal("""[{"name":"registry-credentials"}]""", pod["imagePullSecrets"]!.ToJsonString());
        Assert.Equal(("ci-builder", true, "ci-high"), (pod["serviceAccountName"]!.GetValue<string>(), pod["automountServiceAccountToken"]!.GetValue<bool>(), pod["priorityClassName"]!.GetValue<string>()));
        Assert.Equal("""{"limits":{"memory":"8Gi","nvidia.com/gpu":"1"},"requests":{"cpu":"2","memory":"4Gi"}}""", kaniko["resources"]!.ToJsonString());
        Assert.Equal(600, job["spec"]!["ttlSecondsAfterFinished"]!.GetValue<int>());
        foreach (var metadata in new[] { job["metadata"]!, job["spec"]!["template"]!["metadata"]! })
        {
            Assert.Equal("payments", metadata["labels"]!["team"]!.GetValue<string>());
            Assert.Equal("false", metadata["annotations"]!["cluster-autoscaler.kubernetes.io/safe-to-evict"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Should_keep_the_labels_that_tie_the_job_to_its_task_whatever_a_command_says()
    {
        // The scheduler refuses such a template; a command from elsewhere still cannot unhook the Job.
        var command = Commands.Build() with
        {
            PodTemplate = new PodTemplate
            {
                Labels = new Dictionary<string, string> { [TaskLabels.RunId] = Guid.Empty.ToString(), [TaskLabels.ManagedBy] = "someone", ["team"] = "payments" },
                Annotations = new Dictionary<string, string> { [TaskLabels.TaskName] = "other" },
            },
        };

        var job = Manifests.JobFor(command);

        Assert.Equal(Commands.RunId.ToString(), job.Metadata.Labels[TaskLabels.RunId]);
        Assert.Equal("mflow", job.Spec.Template.Metadata.Labels[TaskLabels.ManagedBy]);
        Assert.Equal(command.TaskName, job.Metadata.Annotations[TaskLabels.TaskName]);
        Assert.Equal(command.TaskName, job.Spec.Template.Metadata.Annotations[TaskLabels.TaskName]);
        Assert.Equal("payments", job.Metadata.Labels["team"]);
    }

    [Fact]
    public async Task Should_be_accepted_by_the_api_server()
    {
        var command = TrackerRig.Fresh(Commands.Build()) with { PodTemplate = Pod };

        await _rig.Executor(new KanikoJobBuilder()).ExecuteAsync(command, CancellationToken.None);

        var stored = _rig.Server.GetObject("jobs", TrackerRig.Namespace, TrackerRig.JobName(command));
        Assert.NotNull(stored);
        Assert.Equal("""[{"name":"registry-credentials"}]""", stored["spec"]!["template"]!["spec"]!["imagePullSecrets"]!.ToJsonString());
        Assert.Equal("8Gi", stored["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>());
        Assert.DoesNotContain(_rig.Updates.For(command.TaskId), u => u.State == TaskState.Failed);
    }
}
