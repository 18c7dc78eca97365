using MFlow.Contracts;
using MFlow.Workers.Deploy.Jobs;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

public class When_building_a_kubectl_job
{
    [Theory]
    [InlineData("Deployment", "deployment/shop")]
    [InlineData("statefulset", "statefulset/shop")]
    [InlineData("DaemonSet", "daemonset/shop")]
    public void Should_set_the_image_annotate_the_workload_then_wait_for_the_rollout(string kind, string workload)
    {
        var command = Commands.Deploy(("WORKLOAD_KIND", kind), ("CONTAINER_NAME", "app"), ("WORKLOAD_NAMESPACE", "staging"), ("ROLLOUT_TIMEOUT", "5m"));

        var job = Manifests.JobFor(command);

        Assert.Collection(
            job.AllContainers(),
            setImage => Assert.Equal(["kubectl", "set", "image", workload, $"app={Commands.Image}", "--namespace", "staging"], setImage.Argv()),
            annotate => Assert.Equal(["kubectl", "annotate", workload, $"task.mflow.dev/id={command.TaskId}", "--overwrite", "--namespace", "staging"], annotate.Argv()),
            status => Assert.Equal(["kubectl", "rollout", "status", workload, "--timeout=5m", "--namespace", "staging"], status.Argv()));
        Assert.Equal("rollout-status", job.MainContainer().Name); // its exit code is the task's
    }

    [Fact]
    public void Should_name_the_container_after_the_workload_and_wait_300s_by_default()
    {
        var job = Manifests.JobFor(Commands.Deploy());

        Assert.Equal(["kubectl", "set", "image", "deployment/shop", $"shop={Commands.Image}"], job.Container("set-image").Argv());
        Assert.Equal(["kubectl", "rollout", "status", "deployment/shop", "--timeout=300s"], job.MainContainer().Argv());
    }

    [Fact]
    public void Should_undo_the_rollout_in_a_rollback_run()
    {
        var command = Commands.Deploy(("IMAGE", null), ("WORKLOAD_NAMESPACE", "staging")) with { Mode = RunMode.Rollback };

        var job = Manifests.JobFor(command);

        Assert.Collection(
            job.AllContainers(),
            undo => Assert.Equal(["kubectl", "rollout", "undo", "deployment/shop", "--namespace", "staging"], undo.Argv()),
            annotate => Assert.Equal(["kubectl", "annotate", "deployment/shop", $"task.mflow.dev/id={command.TaskId}", "--overwrite", "--namespace", "staging"], annotate.Argv()),
            status => Assert.Equal("rollout-status", status.Name));
        Assert.DoesNotContain(job.AllContainers(), c => c.Argv().Contains("set"));
    }

    [Fact]
    public void Should_use_the_target_clusters_kubeconfig_from_the_tasks_secret()
    {
        const string kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n# s3cr3t-cluster-token\n";
        var command = Commands.Deploy() with { SecretValues = new Dictionary<string, string> { [SecretKeys.Kubeconfig] = kubeconfig } };

        var manifests = Manifests.For(command);

        var job = manifests.Job;
        var volume = job.Volume("mflow-kubeconfig");
        Assert.Equal(job.Metadata.Name, volume.Secret!.SecretName);
        Assert.Equal(("kubeconfig", "config"), (volume.Secret.Items![0].Key, volume.Secret.Items[0].Path));
        foreach (var container in job.AllContainers())
        {
            Assert.Equal("/etc/mflow/kubeconfig/config", container.Env("KUBECONFIG"));
            Assert.Contains(container.VolumeMounts!, m => m is { Name: "mflow-kubeconfig", MountPath: "/etc/mflow/kubeconfig", ReadOnlyProperty: true });
        }

        Assert.Equal(kubeconfig, System.Text.Encoding.UTF8.GetString(manifests.Secret!.Data!["kubeconfig"]));
        Assert.DoesNotContain("s3cr3t-cluster-token", job.ToJsonText(), StringComparison.Ordinal);
        // Another cluster's credentials: no need for this cluster's service account token.
        Assert.Null(job.Pod().ServiceAccountName);
        Assert.False(job.Pod().AutomountServiceAccountToken);
    }

    [Fact]
    public void Should_act_in_its_own_cluster_as_the_deployer_service_account_without_a_kubeconfig()
    {
        var job = Manifests.JobFor(Commands.Deploy(("DEPLOY_SERVICE_ACCOUNT", "shop-deployer")));

        Assert.Equal("shop-deployer", job.Pod().ServiceAccountName);
        Assert.True(job.Pod().AutomountServiceAccountToken);
        Assert.All(job.AllContainers(), c => Assert.Null(c.Env("KUBECONFIG")));
    }

    [Fact]
    public void Should_run_kubectl_unprivileged_on_a_read_only_root()
    {
        var job = Manifests.JobFor(Commands.Deploy());

        Assert.All(job.AllContainers(), container =>
        {
            Assert.Equal("bitnami/kubectl:1.31.4", container.Image);
            Assert.True(container.SecurityContext!.RunAsNonRoot);
            Assert.Equal(1001, container.SecurityContext.RunAsUser);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        });
    }

    [Fact]
    public void Should_report_the_workload_and_image_as_outputs()
    {
        var job = Manifests.JobFor(Commands.Deploy(("WORKLOAD_KIND", "StatefulSet")));

        var outputs = new KubectlJobBuilder().ReadOutputs(job, terminationMessage: null);

        Assert.Equal("statefulset/shop", outputs["WORKLOAD"]);
        Assert.Equal(Commands.Image, outputs["IMAGE"]);
    }

    [Fact]
    public void Should_surface_the_workload_as_system_variables()
    {
        var job = Manifests.JobFor(Commands.Deploy(("WORKLOAD_KIND", "Deployment"), ("DEPLOY_ID", "dep-42"), ("SERVICE_NAME", "shop")));

        var main = job.MainContainer();
        Assert.Equal("Deployment", main.Env(SystemVariables.WorkloadKind));
        Assert.Equal("shop", main.Env(SystemVariables.WorkloadName));
        Assert.Equal("dep-42", main.Env(SystemVariables.DeployId));
        Assert.Equal("shop", main.Env(SystemVariables.ServiceName));
    }
}
