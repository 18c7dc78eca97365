using System.Text;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

public class When_building_an_ansible_job
{
    const string Playbook = "- hosts: app\n  tasks:\n    - ansible.builtin.debug:\n        msg: \"installing shop {{ VERSION }}\"\n";
    const string Inventory = "[app]\nvm-1.example.com\nvm-2.example.com\n";

    [Fact]
    public void Should_run_the_playbook_against_the_inventory_with_the_extra_vars_file()
    {
        var job = Manifests.JobFor(Commands.Vm());

        var ansible = job.MainContainer();
        Assert.Equal("alpine/ansible:2.18.1", ansible.Image);
        Assert.Equal(
            ["ansible-playbook", "--inventory", "/etc/mflow/vm/inventory", "--extra-vars", "@/etc/mflow/task/extra-vars.yml", "/etc/mflow/vm/playbook.yml"],
            ansible.Argv());
    }

    [Fact]
    public void Should_put_playbook_and_inventory_in_a_config_map_of_its_own()
    {
        var manifests = Manifests.For(Commands.Vm(("PLAYBOOK", Playbook), ("INVENTORY", Inventory)));

        var configMap = manifests.ConfigMap!;
        Assert.Equal(manifests.Job.Metadata.Name, configMap.Metadata.Name);
        Assert.Equal(Playbook, configMap.Data!["playbook.yml"]);
        Assert.Equal(Inventory, configMap.Data["inventory"]);
        Assert.Equal(manifests.Job.Metadata.Labels, configMap.Metadata.Labels);

        var volume = manifests.Job.Volume("playbook");
        Assert.Equal(configMap.Metadata.Name, volume.ConfigMap!.Name);
        Assert.Contains(manifests.Job.MainContainer().VolumeMounts!, m => m is { Name: "playbook", MountPath: "/etc/mflow/vm", ReadOnlyProperty: true });
    }

    [Fact]
    public void Should_use_an_existing_config_map_when_named()
    {
        var manifests = Manifests.For(Commands.Vm(("PLAYBOOK", null), ("INVENTORY", null), ("PLAYBOOK_CONFIGMAP", "legacy-rollout")));

        Assert.Null(manifests.ConfigMap);
        Assert.Equal("legacy-rollout", manifests.Job.Volume("playbook").ConfigMap!.Name);
    }

    [Fact]
    public void Should_build_objects_owned_by_nothing_which_the_executor_makes_the_jobs()
    {
        // The executor creates them right after the Job, with ownerReferences naming its uid.
        var manifests = Manifests.For(Commands.Vm());
        var job = manifests.Job;
        job.Metadata.Uid = "6b1f3e0a-1111-4222-8333-944455556666";

        Assert.Null(manifests.ConfigMap!.Metadata.OwnerReferences);
        Assert.Null(manifests.Secret!.Metadata.OwnerReferences);
        var owner = TaskManifestFactory.OwnerReferenceTo(job);
        Assert.Equal(("batch/v1", "Job", job.Metadata.Name, job.Metadata.Uid, false), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.BlockOwnerDeletion));
    }

    [Fact]
    public void Should_connect_with_the_ssh_key_from_a_secret_and_check_host_keys_against_known_hosts()
    {
        var job = Manifests.JobFor(Commands.Vm(
            ("SSH_SECRET", "vm-ssh-key"), ("HOST_KEY_CHECKING", "true"), ("KNOWN_HOSTS_SECRET", "vm-known-hosts"), ("SSH_USER", "deploy")));

        var ansible = job.MainContainer();
        Assert.Equal("vm-ssh-key", job.Volume("ssh-key").Secret!.SecretName);
        Assert.Equal(("ssh-privatekey", "id"), (job.Volume("ssh-key").Secret!.Items![0].Key, job.Volume("ssh-key").Secret!.Items![0].Path));
        Assert.Equal("/etc/mflow/ssh/id", ansible.Env("ANSIBLE_PRIVATE_KEY_FILE"));
        Assert.Equal("vm-known-hosts", job.Volume("known-hosts").Secret!.SecretName);
        Assert.Equal("True", ansible.Env("ANSIBLE_HOST_KEY_CHECKING"));
        Assert.Equal("-o UserKnownHostsFile=/etc/mflow/known-hosts/known_hosts", ansible.Env("ANSIBLE_SSH_ARGS"));
        Assert.Contains("--user=deploy", ansible.Args!);
    }

    [Fact]
    public void Should_say_explicitly_when_host_key_checking_is_off()
    {
        var ansible = Manifests.JobFor(Commands.Vm(("HOST_KEY_CHECKING", "false"))).MainContainer();

        Assert.Equal("False", ansible.Env("ANSIBLE_HOST_KEY_CHECKING"));
        Assert.Null(ansible.Env("ANSIBLE_SSH_ARGS"));
    }

    [Fact]
    public void Should_refuse_checking_host_keys_without_known_hosts()
    {
        var error = Assert.Throws<TaskParamException>(() => Manifests.JobFor(Commands.Vm(("HOST_KEY_CHECKING", null))));

        Assert.Equal("KNOWN_HOSTS_SECRET", error.Param);
    }

    [Fact]
    public void Should_pass_every_other_param_as_an_unsafe_extra_var_in_the_tasks_secret()
    {
        var manifests = Manifests.For(Commands.Vm(("VERSION", "1.4.0"), ("RELEASE_NOTES", "fixes {{ things }}")));

        var extraVars = Encoding.UTF8.GetString(manifests.Secret!.Data!["extra-vars.yml"]);
        var parsed = ExtraVars.Parse(extraVars);
        Assert.Equal(["RELEASE_NOTES", "VERSION"], parsed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("!unsafe", "1.4.0"), parsed["VERSION"]);
        Assert.Equal(("!unsafe", "fixes {{ things }}"), parsed["RELEASE_NOTES"]);

        var volume = manifests.Job.Volume("extra-vars");
        Assert.Equal(manifests.Job.Metadata.Name, volume.Secret!.SecretName);
        Assert.Contains(manifests.Job.MainContainer().VolumeMounts!, m => m is { Name: "extra-vars", MountPath: "/etc/mflow/task", ReadOnlyProperty: true });
    }

    [Fact]
    public void Should_pass_the_limit_tags_check_mode_and_verbosity()
    {
        var ansible = Manifests.JobFor(Commands.Vm(("LIMIT", "app:!vm-2.example.com"), ("TAGS", "install,restart"), ("CHECK", "true"), ("VERBOSITY", "2"))).MainContainer();

        Assert.Equal(
            ["--limit=app:!vm-2.example.com", "--tags=install,restart", "--check", "-vv"],
            ansible.Args!.Where(a => a.StartsWith("--limit", StringComparison.Ordinal) || a.StartsWith("--tags", StringComparison.Ordinal) || a is "--check" or "-vv"));
        Assert.Equal("/etc/mflow/vm/playbook.yml", ansible.Args![^1]);
    }

    [Fact]
    public void Should_run_ansible_as_an_unprivileged_user()
    {
        var job = Manifests.JobFor(Commands.Vm());

        Assert.True(job.MainContainer().SecurityContext!.RunAsNonRoot);
        Assert.Equal(1000, job.MainContainer().SecurityContext!.RunAsUser);
        Assert.True(job.Pod().SecurityContext!.RunAsNonRoot);
    }
}
